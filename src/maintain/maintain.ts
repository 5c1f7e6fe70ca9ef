import type { DiskFootprint } from '../db/database.js';
import type { NamespacePolicies } from '../namespaces/namespace-policy.js';
import { readSizeFigures } from '../store/size-query.js';
import { countLru, evictLru, type LruTarget } from './evict-lru.js';
import { evictNamespacesOverQuota, type NamespaceEviction } from './evict-namespace.js';
import { countExpired, purgeExpired, type RunStep, type StepResult } from './purge-expired.js';

/** What callers tune in a maintenance run. */
export interface MaintainOptions {
  /** Report what would be done without changing anything. @default false */
  readonly dryRun?: boolean;
  /** Logical size above which least-recently-used entries are evicted. */
  readonly maxSizeBytes: number;
  /** Eviction goes down to this share of `maxSizeBytes`. */
  readonly lowWaterPercent: number;
  /** Rows per delete statement. @default 500 */
  readonly batchSize?: number;
  /** Namespaces over their quota are evicted first, down to the same low-water share. @default {} */
  readonly namespaces?: NamespacePolicies;
  /** Expired entries are kept this long (grace reads) before they are purged. @default 0 */
  readonly graceMs?: number;
}

/** What a maintenance run needs from the store. */
export interface MaintainDeps {
  /** Run one short write through the resilience path. */
  readonly run: RunStep;
  /** Run a statement alone, with the queue drained (VACUUM, CHECKPOINT). */
  readonly exclusive: RunStep;
  readonly footprint: () => Promise<DiskFootprint>;
  /** True for the embedded store, which has no autovacuum and no checkpointer. */
  readonly reclaimDisk: boolean;
  readonly now: () => Date;
  /** Throws when the run must stop (deadline, interrupt); called between batches. */
  readonly shouldStop: () => void;
}

/** What one maintenance run did (or would do). */
export interface MaintainReport {
  readonly dryRun: boolean;
  readonly expiredPurged: number;
  readonly expiredBytes: number;
  readonly evicted: number;
  readonly evictedBytes: number;
  /** Namespaces that were over their quota, and what was evicted in each (before global LRU). */
  readonly namespaces: readonly NamespaceEviction[];
  /** Logical bytes freed by purge and evictions together. */
  readonly bytesFreed: number;
  readonly sizeBefore: number;
  readonly sizeAfter: number;
  readonly maxSizeBytes: number;
  readonly lowWaterBytes: number;
  readonly diskBytesBefore: number;
  readonly diskBytesAfter: number;
  readonly walBytesBefore: number | null;
  readonly walBytesAfter: number | null;
  /** `vacuum+checkpoint` on the embedded store; `server` when a PostgreSQL server reclaims by itself. */
  readonly reclaimed: 'vacuum+checkpoint' | 'server' | 'dry-run';
  readonly startedAt: string;
  readonly durationMs: number;
}

/**
 * Purge expired entries, evict least-recently-used entries down to the low-water mark when the
 * store is above its max size, then reclaim disk on the embedded store. Safe to run under cron:
 * each statement is short and a second run right after the first frees nothing.
 */
export async function runMaintenance(
  options: MaintainOptions,
  deps: MaintainDeps,
): Promise<MaintainReport> {
  const started = deps.now();
  const dryRun = options.dryRun === true;
  const batch = options.batchSize ?? 500;
  const before = await deps.footprint();
  const sizes = await deps.run('maintain.size', (db) => readSizeFigures(db, started));
  const cutoff = new Date(started.getTime() - (options.graceMs ?? 0));
  const purged: StepResult = dryRun
    ? await countExpired(deps.run, cutoff)
    : await purgeExpired(deps.run, cutoff, batch, deps.shouldStop);
  const namespaces = await evictNamespacesOverQuota(deps.run, {
    now: started,
    namespaces: options.namespaces ?? {},
    lowWaterPercent: options.lowWaterPercent,
    batchSize: batch,
    dryRun,
    shouldStop: deps.shouldStop,
  });
  const namespaceBytes = namespaces.reduce((sum, n) => sum + n.bytes, 0);
  const lowWaterBytes = Math.floor((options.maxSizeBytes * options.lowWaterPercent) / 100);
  const live = sizes.bytes.total - purged.bytes - namespaceBytes;
  // Entries still in their grace period count towards the size, so they can be evicted too.
  const lru: LruTarget = {
    liveAt: cutoff,
    needBytes: live > options.maxSizeBytes ? live - lowWaterBytes : 0,
  };
  const evicted: StepResult =
    lru.needBytes === 0
      ? { entries: 0, bytes: 0 }
      : dryRun
        ? await countLru(deps.run, lru)
        : await evictLru(deps.run, lru, batch, deps.shouldStop);
  let reclaimed: MaintainReport['reclaimed'] = 'dry-run';
  if (!dryRun) {
    reclaimed = deps.reclaimDisk ? 'vacuum+checkpoint' : 'server';
    if (deps.reclaimDisk) {
      deps.shouldStop();
      await deps.exclusive('maintain.vacuum', (db) =>
        db.exec('VACUUM pgcache_entries, pgcache_access'),
      );
      await deps.exclusive('maintain.checkpoint', (db) => db.exec('CHECKPOINT'));
    }
  }
  const after = dryRun ? before : await deps.footprint();
  return {
    dryRun,
    expiredPurged: purged.entries,
    expiredBytes: purged.bytes,
    evicted: evicted.entries,
    evictedBytes: evicted.bytes,
    namespaces,
    bytesFreed: purged.bytes + namespaceBytes + evicted.bytes,
    sizeBefore: sizes.bytes.total,
    sizeAfter: sizes.bytes.total - purged.bytes - namespaceBytes - evicted.bytes,
    maxSizeBytes: options.maxSizeBytes,
    lowWaterBytes,
    diskBytesBefore: before.onDiskBytes,
    diskBytesAfter: after.onDiskBytes,
    walBytesBefore: before.walBytes,
    walBytesAfter: after.walBytes,
    reclaimed,
    startedAt: started.toISOString(),
    durationMs: deps.now().getTime() - started.getTime(),
  };
}
