import type {
  ConnectionStats,
  Database,
  DatabaseInfo,
  Queryable,
  ServerSessionStats,
  WireStats,
} from '../db/database.js';
import { openHandleCount } from '../db/handle-registry.js';
import { MIGRATIONS, readMigrationStatus } from '../migrations/index.js';
import type { EntryKind } from './keys.js';
import { META_KEYS, readCounters, readMeta } from './meta.js';
import { readSizeFigures } from './size-query.js';
import { readBreakerSnapshots } from './breaker-persistence.js';
import type { QueueStats } from '../resilience/bulkhead-options.js';
import type { BreakerSnapshot } from '../resilience/circuit-breaker.js';
import type { SupervisorStats } from '../resilience/instance-supervisor.js';
import type { RunnerStats } from '../resilience/operation-runner.js';
import type { RetryStats } from '../resilience/retry.js';

/** The last maintenance run as recorded in the store. */
export interface LastRun {
  readonly at: string;
  readonly [field: string]: unknown;
}

/**
 * Entries removed since the store was created, counted in the statement that removed them:
 * `expired` purged (by `maintain` or `doctor --fix`), `evicted` to make room (LRU above the max
 * size, or a namespace over its quota).
 */
export interface RemovedEntries {
  readonly expired: number;
  readonly evicted: number;
}

/** Names of the persisted counters of {@link RemovedEntries}. */
export const REMOVED_COUNTERS = {
  expired: 'entries.expired',
  evicted: 'entries.evicted',
} as const;

/** The figures of `stats` that are read from the database. */
export interface StoredFigures {
  readonly entries: { readonly total: number; readonly byKind: Record<EntryKind, number> };
  readonly bytes: { readonly total: number; readonly byKind: Record<EntryKind, number> };
  /** Entries past their expiry and not purged yet. */
  readonly expired: number;
  readonly expiredBytes: number;
  /** Entries maintenance removed since the store was created. */
  readonly removed: RemovedEntries;
  readonly hits: number;
  readonly misses: number;
  readonly schema: { readonly version: number; readonly latest: number; readonly pending: number };
  readonly lastMaintenance: LastRun | null;
  readonly lastStress: LastRun | null;
  /** The breakers every process persisted. */
  readonly breakers: readonly BreakerSnapshot[];
  /** This tool's sessions on a PostgreSQL server, by state. */
  readonly sessions?: ServerSessionStats | undefined;
}

/** The figures of `stats` that need no database call (they answer while the session is held). */
export interface LiveStoreFigures {
  readonly backend: DatabaseInfo;
  readonly onDisk: number;
  readonly wal: number | null;
  /** The backend's connections, plus `handles`: database handles open in this process. */
  readonly connections: ConnectionStats & { readonly handles: number };
  /** The bulkhead: waiting and running calls, outcomes, wait and execution times. */
  readonly queue: QueueStats;
  /** This process's live breakers. */
  readonly breakers: readonly BreakerSnapshot[];
  readonly retries: RetryStats;
  /** Restarts of the embedded instance (embedded store only). */
  readonly instance?: SupervisorStats;
}

/** Everything `Store.stats()` returns. */
export interface StoreStats {
  readonly backend: DatabaseInfo;
  readonly entries: { readonly total: number; readonly byKind: Record<EntryKind, number> };
  readonly bytes: {
    readonly total: number;
    readonly byKind: Record<EntryKind, number>;
    readonly max: number;
    readonly usedPercent: number;
    readonly onDisk: number;
    readonly wal: number | null;
  };
  /** Entries past their expiry and not purged yet. */
  readonly expired: number;
  readonly expiredBytes: number;
  /** Entries maintenance removed since the store was created. */
  readonly removed: RemovedEntries;
  /** Store lookups (L2) that found a live entry, every process's. */
  readonly hits: number;
  /** Store lookups (L2) that found nothing live. */
  readonly misses: number;
  /**
   * The backend's connections, plus `handles`: database handles open in this process (the
   * registry); `wire`: the clients of `serve`'s wire endpoint; `sessions`: this tool's sessions
   * on a PostgreSQL server, by state.
   */
  readonly connections: ConnectionStats & {
    readonly handles: number;
    readonly wire?: WireStats;
    readonly sessions?: ServerSessionStats;
  };
  readonly schema: { readonly version: number; readonly latest: number; readonly pending: number };
  readonly lastMaintenance: LastRun | null;
  readonly lastStress: LastRun | null;
  /** The bulkhead: waiting and running calls, outcomes, wait and execution times. */
  readonly queue: QueueStats;
  /** Every breaker: this process's live ones, and the ones other processes persisted. */
  readonly breakers: readonly BreakerSnapshot[];
  readonly retries: RetryStats;
  /** Restarts of the embedded instance (embedded store only). */
  readonly instance?: SupervisorStats;
}

/** What {@link gatherStats} reads from. */
export interface StatsSources {
  readonly read: <T>(name: string, fn: (db: Queryable) => Promise<T>) => Promise<T>;
  readonly database: Database;
  readonly now: Date;
  readonly maxSizeBytes: number;
  readonly runner: () => RunnerStats;
}

/** Read the figures of `stats` that live in the database (one short read each). */
export async function readStoredFigures(
  sources: Pick<StatsSources, 'read' | 'database' | 'now'>,
): Promise<StoredFigures> {
  const { read, now } = sources;
  const sizes = await read('stats.sizes', (db) => readSizeFigures(db, now));
  const counters = await read('stats.counters', (db) => readCounters(db));
  const schema = await read('stats.schema', (db) => readMigrationStatus(db, MIGRATIONS));
  const lastMaintenance = await read('stats.meta', (db) =>
    readMeta<Record<string, unknown>>(db, META_KEYS.lastMaintenance),
  );
  const lastStress = await read('stats.meta', (db) =>
    readMeta<Record<string, unknown>>(db, META_KEYS.lastStress),
  );
  const breakers = await read('stats.breakers', (db) => readBreakerSnapshots(db));
  const sessions = await sources.database.sessions?.();
  return {
    entries: sizes.entries,
    bytes: sizes.bytes,
    expired: sizes.expired.entries,
    expiredBytes: sizes.expired.bytes,
    removed: {
      expired: counters[REMOVED_COUNTERS.expired] ?? 0,
      evicted: counters[REMOVED_COUNTERS.evicted] ?? 0,
    },
    hits: counters['hits'] ?? 0,
    misses: counters['misses'] ?? 0,
    schema: { version: schema.current, latest: schema.latest, pending: schema.pending.length },
    lastMaintenance: toLastRun(lastMaintenance, 'startedAt'),
    lastStress: toLastRun(lastStress, 'finishedAt'),
    breakers,
    sessions,
  };
}

/** The figures of `stats` that need no database call. */
export async function readLiveStoreFigures(
  sources: Pick<StatsSources, 'database' | 'runner'>,
): Promise<LiveStoreFigures> {
  const footprint = await sources.database.footprint();
  const { queue, breakers, retries, instance } = sources.runner();
  return {
    backend: sources.database.describe(),
    onDisk: footprint.onDiskBytes,
    wal: footprint.walBytes,
    connections: { ...sources.database.connections(), handles: openHandleCount() },
    queue,
    breakers,
    retries,
    ...(instance === undefined ? {} : { instance }),
  };
}

/** This process's live breakers, then the ones only other processes persisted. */
export function mergeBreakers(
  live: readonly BreakerSnapshot[],
  persisted: readonly BreakerSnapshot[],
): BreakerSnapshot[] {
  const names = new Set(live.map((b) => b.name));
  return [...live, ...persisted.filter((b) => !names.has(b.name))];
}

/** The share of `max` that `total` bytes use, in percent with two decimals. */
export function usedPercent(total: number, max: number): number {
  return Math.round((total / max) * 10_000) / 100;
}

/** Collect the figures of `stats` (one short read each). */
export async function gatherStats(sources: StatsSources): Promise<StoreStats> {
  const stored = await readStoredFigures(sources);
  const live = await readLiveStoreFigures(sources);
  const max = sources.maxSizeBytes;
  return {
    backend: live.backend,
    entries: stored.entries,
    bytes: {
      ...stored.bytes,
      max,
      usedPercent: usedPercent(stored.bytes.total, max),
      onDisk: live.onDisk,
      wal: live.wal,
    },
    expired: stored.expired,
    expiredBytes: stored.expiredBytes,
    removed: stored.removed,
    hits: stored.hits,
    misses: stored.misses,
    connections: {
      ...live.connections,
      ...(stored.sessions === undefined ? {} : { sessions: stored.sessions }),
    },
    schema: stored.schema,
    lastMaintenance: stored.lastMaintenance,
    lastStress: stored.lastStress,
    queue: live.queue,
    breakers: mergeBreakers(live.breakers, stored.breakers),
    retries: live.retries,
    ...(live.instance === undefined ? {} : { instance: live.instance }),
  };
}

function toLastRun(doc: Record<string, unknown> | undefined, atField: string): LastRun | null {
  if (doc === undefined) return null;
  const at =
    typeof doc[atField] === 'string'
      ? doc[atField]
      : typeof doc['at'] === 'string'
        ? doc['at']
        : '';
  return { ...doc, at };
}
