import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../clock.js';
import {
  RateLimitedError,
  UsageError,
  ValueTooLargeError,
  asPgcacheError,
  type PgcacheError,
} from '../errors/index.js';
import { retryAfterSeconds } from '../namespaces/rate-limiter.js';
import { Deadline } from '../resilience/deadline.js';
import { parseJsonInput } from '../store/json-input.js';
import type { ServeMetrics } from './metrics.js';
import { operationOf, routeRequest, type RouteDeps, type Routed } from './http-routes.js';
import { sameSecret } from './same-secret.js';

/** Options of {@link createHttpApi}. */
export interface HttpApiOptions {
  /** Bearer token every request must carry; none when undefined. */
  readonly token?: string | undefined;
  /** Budget of one request. */
  readonly requestTimeoutMs: number;
  /** Largest request body accepted (413 above it). */
  readonly maxBodyBytes: number;
}

/** What {@link createHttpApi} needs injected. */
export interface HttpApiDeps extends Omit<RouteDeps, 'deadline'> {
  readonly clock: Clock;
  readonly metrics: ServeMetrics;
  /** Called on every request (for `--idle-exit`). */
  readonly onActivity?: () => void;
}

/** What a route answers: a status and a JSON body, or Prometheus text. */
export type RouteAnswer =
  | { readonly status: number; readonly json: unknown; readonly headers?: Record<string, string> }
  | { readonly status: number; readonly text: string; readonly contentType: string };

/** The `node:http` request listener of `serve`'s HTTP API (see the README for the routes). */
export function createHttpApi(
  options: HttpApiOptions,
  deps: HttpApiDeps,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    deps.onActivity?.();
    const started = performance.now();
    void handle(req, options, deps)
      .then(({ operation, answer }) => {
        send(res, answer);
        deps.metrics.observe(operation, performance.now() - started, answer.status);
      })
      .catch((error: unknown) => sendFailure(res, error));
  };
}

// Last resort for what escaped `handle` (a failed send, say): answer 500 if nothing was sent yet,
// cut a half-sent answer, and never throw: an unhandled rejection would end `serve`.
function sendFailure(res: ServerResponse, error: unknown): void {
  try {
    if (res.writableEnded) return;
    if (res.headersSent) res.destroy();
    else send(res, errorAnswer(error));
  } catch {
    res.destroy();
  }
}

async function handle(
  req: IncomingMessage,
  options: HttpApiOptions,
  deps: HttpApiDeps,
): Promise<Routed> {
  if (!authorised(req, options.token)) {
    req.resume();
    return {
      operation: 'unauthorised',
      answer: {
        status: 401,
        headers: { 'www-authenticate': 'Bearer realm="pgcache"' },
        json: errorBody({
          code: 'E_UNAUTHORIZED',
          message: 'this pgcache serve requires a bearer token',
          hint: 'Send "Authorization: Bearer <token>" (the --token given to serve).',
          exitCode: 69,
        }),
      },
    };
  }
  const method = req.method ?? 'GET';
  const deadline = Deadline.after(deps.clock, options.requestTimeoutMs);
  let url: URL | undefined;
  try {
    url = requestUrl(req.url);
    const body = await readJsonBody(req, options.maxBodyBytes);
    return await routeRequest({ method, url, body }, { ...deps, deadline }, req.headers);
  } catch (error) {
    req.resume();
    return { operation: operationOf(method, url?.pathname ?? ''), answer: errorAnswer(error) };
  }
}

function requestUrl(target = '/'): URL {
  try {
    return new URL(target, 'http://pgcache');
  } catch (error) {
    throw new UsageError(`the request target ${JSON.stringify(target)} is not a valid URL`, {
      cause: error,
      hint: 'Send a path such as /v1/entries/KEY, percent-encoding reserved characters.',
    });
  }
}

/** The HTTP answer for a thrown error: its code, message, hint and exit code. */
export function errorAnswer(thrown: unknown): RouteAnswer {
  const error = asPgcacheError(thrown);
  const status = statusOf(error);
  const retryAfter =
    error instanceof RateLimitedError
      ? retryAfterSeconds(error.retryAfterMs)
      : status === 503 && error.exitCode === 75
        ? 1
        : undefined;
  return {
    status,
    ...(retryAfter === undefined ? {} : { headers: { 'retry-after': String(retryAfter) } }),
    json: errorBody({ ...error.toJSON(), exitCode: error.exitCode }),
  };
}

// A namespace over its rate is 429 (retry after the header's seconds); over its quota, 507
// (RFC 4331: the quota leaves no room for this write; retrying does not help until entries are
// deleted or expire), so that a client can tell throttling from a full namespace.
function statusOf(error: PgcacheError): number {
  if (error.code === 'E_VALUE_TOO_LARGE') return 413;
  if (error.code === 'E_RATE_LIMITED') return 429;
  if (error.code === 'E_QUOTA_EXCEEDED') return 507;
  switch (error.exitCode) {
    case 2:
    case 65:
      return 400;
    case 69:
    case 75:
    case 130:
      return 503;
    default:
      return 500;
  }
}

function errorBody(error: {
  code: string;
  message: string;
  hint: string | undefined;
  exitCode: number;
}): unknown {
  return { error };
}

function authorised(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1] !== undefined && sameSecret(match[1].trim(), token);
}

/** Read a request body as JSON (undefined when empty); over `maxBytes` is E_VALUE_TOO_LARGE. */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      req.resume();
      throw new ValueTooLargeError(`the request body is over ${maxBytes} bytes`, {
        hint: 'Send a smaller value; maxEntryBytes limits one entry.',
      });
    }
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  return parseJsonInput(Buffer.concat(chunks).toString('utf8'), 'the request body');
}

/** Write `answer` (JSON or text) unless something was sent already. */
export function send(res: ServerResponse, answer: RouteAnswer): void {
  if (res.headersSent) return;
  if ('text' in answer) {
    res.writeHead(answer.status, { 'content-type': answer.contentType });
    res.end(answer.text);
    return;
  }
  const body = `${JSON.stringify(answer.json)}\n`;
  res.writeHead(answer.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...answer.headers,
  });
  res.end(body);
}
