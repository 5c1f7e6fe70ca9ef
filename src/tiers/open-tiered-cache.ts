import { systemClock, type Clock } from '../clock.js';
import { expandHeaders } from '../config/headers.js';
import {
  assertValidConfig,
  loadConfig,
  type PgcacheConfig,
  type SettingValue,
} from '../config/load-config.js';
import type { SettingKey } from '../config/settings.js';
import type { Queryable, RowDecoder, QueryResult } from '../db/database.js';
import { ConfigError } from '../errors/index.js';
import { persistBreaker } from '../store/breaker-persistence.js';
import { META_KEYS } from '../store/meta.js';
import { openStore, type OpenStoreOptions } from '../store/open-store.js';
import { Store } from '../store/store.js';
import { GuardedOrigin } from './guarded-origin.js';
import { HttpOrigin } from './http-origin.js';
import { strategyNamed } from './strategies/index.js';
import { TierMetrics } from './tier-metrics.js';
import { TieredCache } from './tiered-cache.js';

/** Options of {@link openTieredCache}. */
export interface OpenTieredCacheOptions {
  /** A resolved configuration (the CLI passes its own); otherwise `settings` are resolved. */
  readonly config?: PgcacheConfig;
  /** Settings by config-file key, e.g. `{ 'origin.url': 'https://host/{framework}/{name}.json', strategy: 'write-behind' }`. */
  readonly settings?: Partial<Record<SettingKey, SettingValue>>;
  /** Where `${NAME}` in `origin.headers` is read from (the CLI passes the process's). @default {} */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Use the store's clock. @default systemClock */
  readonly clock?: Clock;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  readonly onWarning?: (message: string) => void;
}

const ORIGIN_BREAKER_KEY = `${META_KEYS.breakerPrefix}origin`;

/**
 * Build the tiered cache on an open store, or on a handle of its own on the store `where` names
 * (shared with the other handles on that location in this process, closed with the cache): L1
 * from `memory.*`, the origin from `origin.*` (its breaker resumed from the state the store
 * recorded, and recorded again on every transition), the strategy, the grace period. Close the
 * cache, then a store you passed.
 */
export async function openTieredCache(
  where: Store | OpenStoreOptions,
  options: OpenTieredCacheOptions = {},
): Promise<TieredCache> {
  if (where instanceof Store) return buildTieredCache(where, options);
  const store = await openStore(where);
  try {
    return await buildTieredCache(store, options, () => store.close());
  } catch (error) {
    await store.close();
    throw error;
  }
}

async function buildTieredCache(
  store: Store,
  options: OpenTieredCacheOptions,
  closeStore?: () => Promise<void>,
): Promise<TieredCache> {
  const config =
    options.config ??
    assertValidConfig(
      loadConfig({ cwd: '.', overrides: options.settings ?? {}, readConfigFile: false }),
    );
  if (config.origin.url === undefined && strategyNamed(config.strategy).writesOrigin) {
    throw new ConfigError(
      `the ${config.strategy} strategy needs an origin, and none is configured`,
      {
        hint: 'Set --origin (or PGCACHE_ORIGIN, origin.url), or use --strategy read-through.',
      },
    );
  }
  const clock = options.clock ?? systemClock;
  const metrics = new TierMetrics();
  const origin = await openOrigin(store, config, { ...options, clock, metrics });
  return new TieredCache(
    {
      strategy: config.strategy,
      graceMs: config.graceMs,
      softTimeoutMs: config.origin.softTimeoutMs,
      timeoutMs: config.timeoutMs,
      maxEntryBytes: config.maxEntryBytes,
      memory: config.memory,
    },
    {
      store,
      clock,
      metrics,
      origin: origin?.guarded,
      onWarning: options.onWarning,
      onClose: async () => {
        await origin?.close();
        await closeStore?.();
      },
    },
  );
}

async function openOrigin(
  store: Store,
  config: PgcacheConfig,
  deps: OpenTieredCacheOptions & { clock: Clock; metrics: TierMetrics },
): Promise<{ guarded: GuardedOrigin; close: () => Promise<void> } | undefined> {
  const url = config.origin.url;
  if (url === undefined) return undefined;
  let headers: Record<string, string>;
  try {
    headers = expandHeaders(config.origin.headers, deps.env ?? {});
  } catch (error) {
    throw new ConfigError(`origin.headers: ${(error as Error).message}`, {
      hint: 'Export the variable (its value is never printed), or remove the header from origin.headers.',
    });
  }
  const http = new HttpOrigin(
    { urlTemplate: url, headers, timeoutMs: config.origin.timeoutMs },
    { clock: deps.clock, ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }) },
  );
  const initial = await store.readMeta<{ failures?: unknown }>(ORIGIN_BREAKER_KEY);
  const guarded = new GuardedOrigin(config.breaker, {
    origin: http,
    clock: deps.clock,
    metrics: deps.metrics,
    breakerInitialState: initial,
  });
  const persisted = persistBreaker(
    guarded.breaker,
    throughStore(store),
    deps.clock,
    deps.onWarning,
  );
  // Closing saves the final state when it changed, so that a short process (the CLI) hands its
  // count of consecutive failures on to the next one.
  const close = (): Promise<void> => persisted.close();
  return { guarded, close };
}

// The store's own breaker is persisted straight to the database; the origin's goes through the
// store's resilience path like any other write.
function throughStore(store: Store): Queryable {
  return {
    query: <R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> =>
      store.execute('write', 'breaker.persist', (db) => db.query<R>(sql, params)),
    queryDecoded: <R>(sql: string, params: readonly unknown[], decode: RowDecoder<R>) =>
      store.execute('write', 'breaker.persist', (db) => db.queryDecoded(sql, params, decode)),
    exec: (sql: string) => store.execute('write', 'breaker.persist', (db) => db.exec(sql)),
  };
}
