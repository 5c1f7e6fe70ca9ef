import { WAITING_CALL_BYTES } from '../resilience/bulkhead-options.js';

/** How a setting's text (from a flag, the environment or the config file) is read. */
export type SettingKind =
  | 'duration'
  | 'bytes'
  | 'integer'
  | 'percent'
  | 'path'
  | 'url'
  | 'string'
  | 'strategy'
  | 'origin-url'
  | 'headers'
  | 'namespaces'
  | 'paths';

/** One configurable value: where it can come from and what it defaults to. */
export interface SettingSpec {
  /** Key in `pgcache.config.json` (dotted for nested objects). */
  readonly key: string;
  /** Environment variable, when one exists. */
  readonly env?: string;
  /** Commander attribute name of the flag, when one exists (`--queue-wait-timeout` → `queueWaitTimeout`). */
  readonly flag?: string;
  readonly kind: SettingKind;
  /** Smallest accepted value for numeric kinds. */
  readonly min?: number;
  /** Largest accepted value for numeric kinds. */
  readonly max?: number;
  /** One line for `doctor` and the README. */
  readonly description: string;
  /** A secret: never printed (`doctor` and messages show `***`). @default false */
  readonly secret?: boolean;
}

/**
 * Every setting pgcache reads. Precedence: flag > environment (`PGCACHE_*`) > config file >
 * default (see `defaults.ts`).
 */
export const SETTINGS = [
  {
    key: 'dataDir',
    env: 'PGCACHE_DATA_DIR',
    flag: 'dataDir',
    kind: 'path',
    description: 'embedded data directory',
  },
  {
    key: 'databaseUrl',
    env: 'PGCACHE_DATABASE_URL',
    flag: 'databaseUrl',
    kind: 'url',
    description: 'PostgreSQL server to use instead of the embedded store',
  },
  {
    key: 'defaultTtlMs',
    env: 'PGCACHE_DEFAULT_TTL',
    kind: 'duration',
    min: 0,
    max: 36_500 * 24 * 60 * 60 * 1000, // MAX_TTL_MS of the store: 100 years
    description: 'TTL of an entry written without --ttl (0 = never expires)',
  },
  {
    key: 'maxEntryBytes',
    env: 'PGCACHE_MAX_ENTRY_BYTES',
    kind: 'bytes',
    min: 1,
    description: 'largest value one entry may hold',
  },
  {
    key: 'maxSizeBytes',
    env: 'PGCACHE_MAX_SIZE',
    kind: 'bytes',
    min: 1,
    description: 'logical size maintain evicts down from',
  },
  {
    key: 'lowWaterPercent',
    env: 'PGCACHE_LOW_WATER',
    kind: 'percent',
    min: 1,
    max: 100,
    description: 'maintain evicts down to this share of maxSizeBytes',
  },
  {
    key: 'indexes',
    env: 'PGCACHE_INDEXES',
    kind: 'paths',
    description:
      'JSON paths `list --where` is indexed on, e.g. ["session", "user.id"] ("*": every path, one GIN index; each index slows writes)',
  },
  {
    key: 'timeoutMs',
    env: 'PGCACHE_TIMEOUT',
    flag: 'timeout',
    kind: 'duration',
    min: 1,
    description: 'budget of one command',
  },
  {
    key: 'operationTimeoutMs',
    env: 'PGCACHE_OPERATION_TIMEOUT',
    flag: 'operationTimeout',
    kind: 'duration',
    min: 1,
    description: 'budget of one database attempt',
  },
  {
    key: 'queue.waitTimeoutMs',
    env: 'PGCACHE_QUEUE_WAIT_TIMEOUT',
    flag: 'queueWaitTimeout',
    kind: 'duration',
    min: 1,
    description: 'longest wait for a queue slot',
  },
  {
    key: 'queue.readConcurrency',
    env: 'PGCACHE_READ_CONCURRENCY',
    kind: 'integer',
    min: 1,
    max: 1000,
    description: 'reads running at once',
  },
  {
    key: 'queue.writeConcurrency',
    env: 'PGCACHE_WRITE_CONCURRENCY',
    kind: 'integer',
    min: 1,
    max: 1000,
    description: 'writes running at once',
  },
  {
    key: 'queue.maxLength',
    env: 'PGCACHE_QUEUE_MAX_LENGTH',
    kind: 'integer',
    min: 0,
    max: 1_000_000,
    description:
      'opt-in fast rejection: calls allowed to wait per queue before rejecting at once (unset: bound by queue.maxBytes)',
  },
  {
    key: 'queue.maxBytes',
    env: 'PGCACHE_QUEUE_MAX_BYTES',
    kind: 'bytes',
    min: WAITING_CALL_BYTES, // what one waiting call counts: less would turn every one away
    description:
      'memory the waiting calls may hold (4 KiB each plus the values they write) before rejecting',
  },
  {
    key: 'retry.attempts',
    env: 'PGCACHE_RETRY_ATTEMPTS',
    kind: 'integer',
    min: 1,
    max: 20,
    description: 'attempts per operation for transient errors',
  },
  {
    key: 'retry.baseDelayMs',
    env: 'PGCACHE_RETRY_BASE_DELAY',
    kind: 'duration',
    min: 0,
    description: 'first backoff delay',
  },
  {
    key: 'retry.maxDelayMs',
    env: 'PGCACHE_RETRY_MAX_DELAY',
    kind: 'duration',
    min: 0,
    description: 'longest backoff delay',
  },
  {
    key: 'breaker.threshold',
    env: 'PGCACHE_BREAKER_THRESHOLD',
    kind: 'integer',
    min: 1,
    max: 10_000,
    description: 'consecutive failures that open a breaker',
  },
  {
    key: 'breaker.halfOpenAfterMs',
    env: 'PGCACHE_BREAKER_HALF_OPEN_AFTER',
    kind: 'duration',
    min: 1,
    description: 'time an open breaker waits before a trial call',
  },
  {
    key: 'pool.size',
    env: 'PGCACHE_POOL_SIZE',
    kind: 'integer',
    min: 1,
    max: 1000,
    description: 'connections in the PostgreSQL pool (--database-url)',
  },
  {
    key: 'serve.host',
    env: 'PGCACHE_SERVE_HOST',
    flag: 'host',
    kind: 'string',
    description: 'address serve listens on (anything but loopback requires a token)',
  },
  {
    key: 'serve.pgPort',
    env: 'PGCACHE_PG_PORT',
    flag: 'pgPort',
    kind: 'integer',
    min: 0,
    max: 65_535,
    description: "port of serve's Postgres wire endpoint (0 picks a free one)",
  },
  {
    key: 'serve.httpPort',
    env: 'PGCACHE_HTTP_PORT',
    flag: 'httpPort',
    kind: 'integer',
    min: 0,
    max: 65_535,
    description: "port of serve's HTTP API (0 picks a free one)",
  },
  {
    key: 'serve.socket',
    env: 'PGCACHE_SOCKET',
    flag: 'socket',
    kind: 'path',
    description: 'unix socket serve also accepts wire clients on',
  },
  {
    key: 'serve.token',
    env: 'PGCACHE_TOKEN',
    flag: 'token',
    kind: 'string',
    secret: true,
    description:
      "serve's bearer token (HTTP) and password (wire); commands that go through serve send it",
  },
  {
    key: 'serve.maxConnections',
    env: 'PGCACHE_MAX_CONNECTIONS',
    flag: 'maxConnections',
    kind: 'integer',
    min: 1,
    max: 10_000,
    description: 'wire clients connected to serve at once',
  },
  {
    key: 'serve.idleTransactionTimeoutMs',
    env: 'PGCACHE_IDLE_TRANSACTION_TIMEOUT',
    flag: 'idleTransactionTimeout',
    kind: 'duration',
    min: 1,
    description:
      'longest a wire client may stay idle inside a transaction (everyone else waits meanwhile)',
  },
  {
    key: 'serve.hangTimeoutMs',
    env: 'PGCACHE_HANG_TIMEOUT',
    flag: 'hangTimeout',
    kind: 'duration',
    min: 1,
    description:
      'a wire statement that holds the session this long while others wait gets a hang check (a silent instance is replaced)',
  },
  {
    key: 'serve.maxCopyBytes',
    env: 'PGCACHE_MAX_COPY',
    flag: 'maxCopy',
    kind: 'bytes',
    min: 1,
    description: 'largest COPY … FROM STDIN a wire client may send (kept in memory until it runs)',
  },
  {
    key: 'serve.idleExitMs',
    env: 'PGCACHE_IDLE_EXIT',
    flag: 'idleExit',
    kind: 'duration',
    min: 0,
    description: 'serve exits after this long with no client and no request (0 = never)',
  },
  {
    key: 'origin.url',
    env: 'PGCACHE_ORIGIN',
    flag: 'origin',
    kind: 'origin-url',
    description: 'origin (L3) URL template, e.g. https://host/{framework}/{name}.json',
  },
  {
    key: 'origin.timeoutMs',
    env: 'PGCACHE_ORIGIN_TIMEOUT',
    kind: 'duration',
    min: 1,
    description: 'hard timeout of one origin request',
  },
  {
    key: 'origin.softTimeoutMs',
    env: 'PGCACHE_ORIGIN_SOFT_TIMEOUT',
    kind: 'duration',
    min: 0,
    description: 'serve a stale copy when the origin takes longer (0 = wait for the hard timeout)',
  },
  {
    key: 'origin.headers',
    kind: 'headers',
    description: 'origin request headers; values may read ${ENV_VARS}; never printed',
  },
  {
    key: 'strategy',
    env: 'PGCACHE_STRATEGY',
    flag: 'strategy',
    kind: 'strategy',
    description: 'read-through, write-through, write-behind or cache-aside',
  },
  {
    key: 'grace',
    env: 'PGCACHE_GRACE',
    flag: 'grace',
    kind: 'duration',
    min: 0,
    description: 'how long an expired entry may be served while the origin fails',
  },
  {
    key: 'memory.maxBytes',
    env: 'PGCACHE_MEMORY_MAX_SIZE',
    kind: 'bytes',
    min: 0,
    description: 'bytes the in-process memory tier (L1) holds (0 = no L1)',
  },
  {
    key: 'memory.ttlMs',
    env: 'PGCACHE_MEMORY_TTL',
    kind: 'duration',
    min: 0,
    description:
      'longest an entry stays in L1 before it is read from the store again (0 = its own TTL)',
  },
  {
    key: 'namespaces',
    kind: 'namespaces',
    description:
      'per-namespace quotas and rate limits: {"user-42": {maxBytes, maxEntries, ratePerSec}}',
  },
  {
    key: 'serve.outboxFlushMs',
    env: 'PGCACHE_OUTBOX_FLUSH',
    flag: 'outboxFlush',
    kind: 'duration',
    min: 0,
    description:
      'how often serve sends the write-behind outbox to the origin (0s = on shutdown only)',
  },
] as const satisfies readonly SettingSpec[];

/** A setting's config-file key. */
export type SettingKey = (typeof SETTINGS)[number]['key'];
