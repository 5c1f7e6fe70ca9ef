import type { Clock } from '../clock.js';
import { formatDuration } from '../config/units.js';
import { OriginUnavailableError } from '../errors/index.js';
import type { Deadline } from '../resilience/deadline.js';
import { parseKey } from '../store/keys.js';
import { checkOriginTemplate, originUrl, redactUrl } from './origin-url.js';

/** Options for {@link HttpOrigin}. */
export interface HttpOriginOptions {
  /** URL template with `{key}`, `{kind}`, `{framework}`, `{name}`, `{namespace}` placeholders. */
  readonly urlTemplate: string;
  /** Request headers, already expanded (they may hold secrets: never logged). @default {} */
  readonly headers?: Readonly<Record<string, string>>;
  /** Hard timeout of one request (cut further by the caller's deadline). @default 5000 */
  readonly timeoutMs?: number;
}

/** What {@link HttpOrigin} needs injected. */
export interface HttpOriginDeps {
  /** Times the hard timeout. */
  readonly clock: Clock;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** The origin's answer for one key: its JSON value, or that it has none (404/410). */
export type OriginReply =
  { readonly found: true; readonly value: unknown } | { readonly found: false };

/**
 * L3: the source of truth over HTTP. `GET` returns a key's JSON (404 or 410: no such key), `PUT`
 * stores one (write-through and write-behind). Every request has an `AbortSignal` that fires at
 * min(hard timeout, what remains of the deadline). Every failure — network, timeout, a status
 * other than 2xx/404/410, a body that is not JSON — is an {@link OriginUnavailableError} whose
 * message names the URL (without credentials) but never a header.
 */
export class HttpOrigin {
  readonly #template: string;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #fetch: typeof fetch;

  constructor(options: HttpOriginOptions, deps: HttpOriginDeps) {
    this.#template = checkOriginTemplate(options.urlTemplate);
    this.#headers = options.headers ?? {};
    this.#timeoutMs = options.timeoutMs ?? 5000;
    if (!(this.#timeoutMs > 0))
      throw new RangeError(`Expected \`timeoutMs\` to be above 0, got ${this.#timeoutMs}`);
    this.#clock = deps.clock;
    this.#fetch = deps.fetch ?? globalThis.fetch;
  }

  /** The URL of `key`. */
  url(key: string): string {
    return originUrl(this.#template, parseKey(key));
  }

  /** Read `key` from the origin. */
  async get(key: string, deadline: Deadline): Promise<OriginReply> {
    return this.#request('GET', key, deadline, undefined, async (response) => {
      if (response.status === 404 || response.status === 410) return { found: false };
      const text = await response.text();
      try {
        return { found: true, value: JSON.parse(text) as unknown };
      } catch {
        throw this.#error('GET', key, 'the body is not JSON');
      }
    });
  }

  /** Store `body` (JSON text) under `key` at the origin; resolves once it answered 2xx. */
  async put(key: string, body: string, deadline: Deadline): Promise<void> {
    await this.#request('PUT', key, deadline, body, async (response) => {
      await response.arrayBuffer();
    });
  }

  async #request<T>(
    method: 'GET' | 'PUT',
    key: string,
    deadline: Deadline,
    body: string | undefined,
    read: (response: Response) => Promise<T>,
  ): Promise<T> {
    const url = this.url(key);
    const limit = deadline.cap(this.#timeoutMs);
    // Out of time before asking: the caller's budget, not the origin's failure.
    if (limit <= 0) throw deadline.exceeded('attempt', `origin ${method} ${redactUrl(url)}`);
    const controller = new AbortController();
    const timer = this.#clock.setTimer(limit, () => controller.abort(), { background: true });
    try {
      const response = await this.#fetch(url, {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...this.#headers,
        },
        body,
        signal: controller.signal,
      });
      const ok =
        response.ok || (method === 'GET' && (response.status === 404 || response.status === 410));
      if (!ok) {
        await response.body?.cancel().catch(() => undefined);
        throw this.#error(method, key, `HTTP ${response.status}`, response.status);
      }
      return await read(response);
    } catch (error) {
      if (error instanceof OriginUnavailableError) throw error;
      if (controller.signal.aborted)
        throw this.#error(method, key, `no answer within ${formatDuration(limit)}`);
      throw this.#error(method, key, networkReason(error));
    } finally {
      timer.cancel();
    }
  }

  #error(method: string, key: string, why: string, status?: number): OriginUnavailableError {
    const auth = status === 401 || status === 403;
    return new OriginUnavailableError(
      `origin ${method} ${redactUrl(this.url(key))} failed: ${why}`,
      {
        hint: auth
          ? 'The origin refused the credentials: check origin.headers and the variables they read.'
          : 'Check that the origin is up and origin.url is right; cached copies are served within the grace period.',
      },
    );
  }
}

// fetch() reports "fetch failed" with the reason in `cause` (ECONNREFUSED, ENOTFOUND…).
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
