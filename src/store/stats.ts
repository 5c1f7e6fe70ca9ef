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
import type { QueueStats } from '../resilience/bulkhead.js';
import type { BreakerSnapshot } from '../resilience/circuit-breaker.js';
import type { SupervisorStats } from '../resilience/instance-supervisor.js';
import type { RunnerStats } from '../resilience/operation-runner.js';
import type { RetryStats } from '../resilience/retry.js';

/** The last maintenance run as recorded in the store. */
export interface LastRun {
  readonly at: string;
  readonly [field: string]: unknown;
}

/** Everything `pgcache stats` shows (`--json` adds `schemaVersion`). */
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
  readonly hits: number;
  readonly misses: number;
  /**
   * The backend's connections, plus `handles`: database handles open in this process (the
   * registry); `wire`: the clients of `serve`'s wire endpoint (through `serve`); `sessions`: this
   * tool's sessions on a PostgreSQL server, by state.
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

/** Collect the figures of `stats` (one short read each). */
export async function gatherStats(sources: StatsSources): Promise<StoreStats> {
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
  const persisted = await read('stats.breakers', (db) => readBreakerSnapshots(db));
  const footprint = await sources.database.footprint();
  const sessions = await sources.database.sessions?.();
  const { queue, breakers: live, retries, instance } = sources.runner();
  const liveNames = new Set(live.map((b) => b.name));
  const connections = sources.database.connections();
  const max = sources.maxSizeBytes;
  return {
    backend: sources.database.describe(),
    entries: sizes.entries,
    bytes: {
      total: sizes.bytes.total,
      byKind: sizes.bytes.byKind,
      max,
      usedPercent: Math.round((sizes.bytes.total / max) * 10_000) / 100,
      onDisk: footprint.onDiskBytes,
      wal: footprint.walBytes,
    },
    expired: sizes.expired.entries,
    expiredBytes: sizes.expired.bytes,
    hits: counters['hits'] ?? 0,
    misses: counters['misses'] ?? 0,
    connections: {
      ...connections,
      handles: openHandleCount(),
      ...(sessions === undefined ? {} : { sessions }),
    },
    schema: { version: schema.current, latest: schema.latest, pending: schema.pending.length },
    lastMaintenance: toLastRun(lastMaintenance, 'startedAt'),
    lastStress: toLastRun(lastStress, 'finishedAt'),
    queue,
    breakers: [...live, ...persisted.filter((b) => !liveNames.has(b.name))],
    retries,
    ...(instance === undefined ? {} : { instance }),
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
