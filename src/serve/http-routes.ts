import { parseTtl } from '../config/units.js';
import { InvalidKeyError, UsageError } from '../errors/index.js';
import type { NamespaceRateLimiter } from '../namespaces/rate-limiter.js';
import { deleteEntries } from '../operations/delete-entries.js';
import { readEntry } from '../operations/get-entry.js';
import { readHealth } from '../operations/health.js';
import { listOperation } from '../operations/list-entries.js';
import { runMaintenanceWith } from '../operations/maintain-run.js';
import type { OperationContext } from '../operations/operation.js';
import { writeEntry } from '../operations/set-entry.js';
import { readStats, type StatsReport } from '../operations/stats-report.js';
import type { Deadline } from '../resilience/deadline.js';
import { ENTRY_KINDS, parseKey, type EntryKind } from '../store/keys.js';
import { MAX_LIST_LIMIT, parseWhere, type ListFilter } from '../store/list-query.js';
import type { TieredCache } from '../tiers/tiered-cache.js';
import type { RouteAnswer } from './http-api.js';
import {
  bodyFields,
  entityTag,
  noneMatch,
  rateLimitHeaders,
  refuseUnknownParameters,
} from './http-conventions.js';

/** What the routes reach. */
export interface RouteDeps {
  /** Reads, writes and deletes of one entry go through the tiers (on the store). */
  readonly cache: TieredCache;
  /** Per-namespace rate limits of the entry routes (a refusal is E_RATE_LIMITED, HTTP 429). */
  readonly limiter: NamespaceRateLimiter;
  /** The request's budget. */
  readonly deadline: Deadline;
  /** The context the operations of a request run in (the owner's store and figures). */
  readonly context: (deadline: Deadline) => OperationContext;
  /** The Prometheus text of `/metrics`, from the stats report. */
  readonly metricsText: (stats: StatsReport) => Promise<string>;
}

/** One request as the routes see it (the body already parsed as JSON; HEAD routed as GET). */
export interface RouteRequest {
  readonly method: string;
  readonly url: URL;
  readonly body: unknown;
}

/** The HTTP header that may carry a TTL: `30s`, `5m`, `0`/`never`, or milliseconds. */
export const TTL_HEADER = 'x-pgcache-ttl';

/** The header of a found entry that names the tier that answered: `l1`, `l2` or `l3`. */
export const TIER_HEADER = 'x-pgcache-tier';

/** The header of a found entry that says whether it was served stale (`true`/`false`). */
export const STALE_HEADER = 'x-pgcache-stale';

/** What one route answers, and the operation it counts as in the metrics. */
export interface Routed {
  readonly operation: string;
  readonly answer: RouteAnswer;
}

/** The request headers the routes read. */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** Answer one request. */
export async function routeRequest(
  req: RouteRequest,
  deps: RouteDeps,
  headers: RequestHeaders = {},
): Promise<Routed> {
  const entry = /^\/v1\/entries\/(.+)$/.exec(req.url.pathname);
  if (entry?.[1] === undefined) return collectionRoute(req, deps);
  const key = decodeKey(entry[1]);
  refuseUnknownParameters(req.url, []);
  // The namespace is the key's first segment; a bad key is a 400 before any token is taken.
  const decision = deps.limiter.admit(parseKey(key).namespace);
  return withHeaders(await entryRoute(req, key, deps, headers), rateLimitHeaders(decision));
}

function withHeaders(routed: Routed, headers: Record<string, string>): Routed {
  const { answer } = routed;
  if (Object.keys(headers).length === 0) return routed;
  return { ...routed, answer: { ...answer, headers: { ...answer.headers, ...headers } } };
}

function decodeKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch (error) {
    throw new InvalidKeyError(`the key in the path (${encoded}) is not valid percent-encoding`, {
      cause: error,
      hint: 'Percent-encode the key as UTF-8 (encodeURIComponent), e.g. %C3%A9 for é.',
    });
  }
}

async function entryRoute(
  req: RouteRequest,
  key: string,
  { cache, deadline }: RouteDeps,
  requestHeaders: RequestHeaders,
): Promise<Routed> {
  switch (req.method) {
    case 'GET': {
      const read = await readEntry(cache, key, { deadline });
      if (!read.found) return answer('get', 404, read);
      const etag = entityTag(read.value, read.expiresAt);
      const headers = { [TIER_HEADER]: read.tier, [STALE_HEADER]: String(read.stale), etag };
      if (noneMatch(requestHeaders['if-none-match'], etag)) {
        return { operation: 'get', answer: { status: 304, empty: true, headers } };
      }
      return { operation: 'get', answer: { status: 200, json: read, headers } };
    }
    case 'PUT': {
      const { value, ttlMs } = readPutBody(req.body, requestHeaders[TTL_HEADER]);
      return answer('set', 200, await writeEntry(cache, key, value, { ttlMs, deadline }));
    }
    case 'DELETE': {
      const report = await deleteEntries(cache, [key], { deadline });
      return answer('delete', report.removed === 0 ? 404 : 200, report);
    }
    default:
      return notAllowed(req.method, req.url.pathname, 'GET, HEAD, PUT, DELETE');
  }
}

const ENTRY_OPERATIONS: Readonly<Record<string, string>> = {
  GET: 'get',
  PUT: 'set',
  DELETE: 'delete',
};

const COLLECTION_OPERATIONS: Readonly<Record<string, string>> = {
  'GET /v1/entries': 'list',
  'GET /v1/stats': 'stats',
  'GET /v1/connections': 'connections',
  'POST /v1/maintain': 'maintain',
  'GET /healthz': 'healthz',
  'GET /metrics': 'metrics',
};

/** The operation a request counts as in the metrics, whatever it answered (`error` if none). */
export function operationOf(method: string, pathname: string): string {
  const operation = /^\/v1\/entries\/.+$/.test(pathname)
    ? ENTRY_OPERATIONS[method]
    : COLLECTION_OPERATIONS[`${method} ${pathname}`];
  return operation ?? 'error';
}

const COLLECTION_METHODS: Readonly<Record<string, string>> = {
  '/v1/entries': 'GET, HEAD',
  '/v1/stats': 'GET, HEAD',
  '/v1/connections': 'GET, HEAD',
  '/v1/maintain': 'POST',
  '/healthz': 'GET, HEAD',
  '/metrics': 'GET, HEAD',
};

async function collectionRoute(req: RouteRequest, deps: RouteDeps): Promise<Routed> {
  const { method, url } = req;
  const route = `${method} ${url.pathname}`;
  // No route, or not this method: that first, whatever the query says.
  if (COLLECTION_OPERATIONS[route] === undefined) return unrouted(method, url.pathname);
  // GET /v1/entries reads its own parameters (listFilter); the other routes take none.
  if (route !== 'GET /v1/entries') refuseUnknownParameters(url, []);
  const ctx = deps.context(deps.deadline);
  switch (route) {
    case 'GET /v1/entries': {
      const filter = listFilter(url);
      const decision = deps.limiter.admit(filter.namespace ?? null);
      const routed = answer('list', 200, await listOperation.run(ctx, filter));
      return withHeaders(routed, rateLimitHeaders(decision));
    }
    case 'GET /v1/stats':
      return answer('stats', 200, { schemaVersion: 1, ...(await readStats(ctx, {})) });
    case 'GET /v1/connections':
      return answer('connections', 200, { schemaVersion: 1, wire: ctx.live.wire() ?? null });
    case 'POST /v1/maintain': {
      const dryRun = readMaintainBody(req.body);
      // serve's own flusher sends the outbox; this run reports what waits.
      const report = await runMaintenanceWith(ctx, deps.cache, {
        dryRun,
        ifIdle: false,
        send: false,
      });
      return answer('maintain', 200, { schemaVersion: 1, ...report });
    }
    case 'GET /healthz': {
      const health = readHealth(ctx);
      return answer('healthz', health.status === 'ok' ? 200 : 503, health);
    }
    case 'GET /metrics': {
      const text = await deps.metricsText(await readStats(ctx, {}));
      const contentType = 'text/plain; version=0.0.4; charset=utf-8';
      return { operation: 'metrics', answer: { status: 200, text, contentType } };
    }
  }
  return unrouted(method, url.pathname);
}

// 405 with the methods a route takes, or 404 for a path with no route.
function unrouted(method: string, pathname: string): Routed {
  const allowed = COLLECTION_METHODS[pathname];
  if (allowed !== undefined) return notAllowed(method, pathname, allowed);
  return answer('not-found', 404, {
    error: {
      code: 'E_NOT_FOUND',
      message: `no route ${method} ${pathname}`,
      hint: `Routes: /v1/entries[/KEY], ${Object.keys(COLLECTION_METHODS).slice(1).join(', ')}.`,
      exitCode: 2,
    },
  });
}

function answer(operation: string, status: number, json: unknown): Routed {
  return { operation, answer: { status, json } };
}

function notAllowed(method: string, path: string, allow: string): Routed {
  return {
    operation: 'not-allowed',
    answer: {
      status: 405,
      headers: { allow },
      json: {
        error: {
          code: 'E_USAGE',
          message: `${method} is not allowed on ${path}`,
          hint: `Use ${allow}.`,
          exitCode: 2,
        },
      },
    },
  };
}

// `POST /v1/maintain`'s body: none, or `{"dryRun": true|false}`.
function readMaintainBody(body: unknown): boolean {
  const { dryRun } = bodyFields(body, ['dryRun'], 'POST /v1/maintain');
  if (dryRun === undefined || typeof dryRun === 'boolean') return dryRun === true;
  throw new UsageError(`dryRun must be true or false, got ${JSON.stringify(dryRun)}`, {
    hint: 'Send {"dryRun": true} to see what maintenance would free.',
  });
}

/** The value and TTL of a PUT: `{"value": <JSON>, "ttl"?: "30s"}`, or the TTL in the header. */
export function readPutBody(
  body: unknown,
  header: string | string[] | undefined,
): { value: unknown; ttlMs: number | undefined } {
  const fields = bodyFields(body, ['value', 'ttl'], 'PUT /v1/entries/KEY');
  if (!('value' in fields)) {
    throw new UsageError('the body must be a JSON object with a "value" field', {
      hint: 'Send {"value": <JSON>, "ttl": "30s"}; the TTL may also go in the x-pgcache-ttl header.',
    });
  }
  const field = fields['ttl'];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  if (field !== undefined && fromHeader !== undefined) {
    throw new UsageError(
      'give the TTL in the "ttl" field or in the x-pgcache-ttl header, not both',
      {
        hint: 'Drop one of them.',
      },
    );
  }
  const ttl = field ?? fromHeader;
  return {
    value: fields['value'],
    ttlMs: ttl === undefined ? undefined : ttlOf(ttl),
  };
}

/** A TTL: milliseconds as a number, `0`/`never`, or a duration such as `30s`. */
function ttlOf(ttl: unknown): number {
  if (typeof ttl === 'number' && Number.isFinite(ttl) && ttl >= 0) return ttl;
  if (typeof ttl === 'string') {
    try {
      return parseTtl(ttl);
    } catch (error) {
      throw new UsageError(`ttl: ${(error as Error).message}`, {
        hint: 'For example "30s", "7d" or "never".',
      });
    }
  }
  throw new UsageError(
    `ttl must be a duration such as "30s", or milliseconds, got ${JSON.stringify(ttl)}`,
    {
      hint: 'For example "30s", "7d" or "never".',
    },
  );
}

/** The query parameters of `GET /v1/entries` (every other collection route takes none). */
const LIST_PARAMETERS = [
  'kind',
  'namespace',
  'framework',
  'category',
  'prefix',
  'where',
  'limit',
  'includeExpired',
] as const;

/** The filter of `GET /v1/entries?prefix=&kind=&where=field=value&limit=`. */
export function listFilter(url: URL): ListFilter {
  refuseUnknownParameters(url, LIST_PARAMETERS);
  const q = url.searchParams;
  const text = (name: string): string | undefined => q.get(name) ?? undefined;
  const kind = text('kind');
  if (kind !== undefined && !(ENTRY_KINDS as readonly string[]).includes(kind)) {
    throw new UsageError(`kind must be one of ${ENTRY_KINDS.join(', ')}, got "${kind}"`, {
      hint: 'For example ?kind=component.',
    });
  }
  const limitText = text('limit');
  const limit = limitText === undefined ? undefined : Number(limitText);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT)) {
    throw new UsageError(`limit must be a whole number from 1 to ${MAX_LIST_LIMIT}`, {
      hint: 'For example ?limit=100.',
    });
  }
  return {
    kind: kind as EntryKind | undefined,
    namespace: text('namespace'),
    framework: text('framework'),
    category: text('category'),
    prefix: text('prefix'),
    where: q.getAll('where').map(parseWhere),
    limit,
    includeExpired: q.get('includeExpired') === 'true',
  };
}
