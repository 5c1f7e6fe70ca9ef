import type { Database, DiskFootprint } from '../db/database.js';
import { runMaintenance, type MaintainReport } from '../maintain/maintain.js';
import { recordMaintenance } from '../maintain/maintenance-ledger.js';
import type { RunStep } from '../maintain/purge-expired.js';
import type { NamespacePolicies } from '../namespaces/namespace-policy.js';
import type { Deadline } from '../resilience/deadline.js';

/** The store's settings a maintenance run goes by. */
export interface StoreMaintenanceOptions {
  readonly maxSizeBytes: number;
  readonly lowWaterPercent: number;
  readonly namespaces: NamespacePolicies;
  readonly graceMs: number;
}

/** What one maintenance run of a store needs from it. */
export interface StoreMaintenanceDeps {
  /** Run one short write on the resilience path. */
  readonly run: <T>(name: string, fn: (db: Database) => Promise<T>) => Promise<T>;
  readonly exclusive: RunStep;
  readonly footprint: () => Promise<DiskFootprint>;
  /** True for the embedded store, which has no autovacuum and no checkpointer. */
  readonly reclaimDisk: boolean;
  readonly now: () => Date;
  readonly deadline: Deadline;
}

/**
 * Purge, evict and reclaim (see {@link runMaintenance}), then record the run in the ledger, unless
 * it was a dry run; `by` names who asked for it.
 */
export async function maintainStore(
  options: StoreMaintenanceOptions & { readonly dryRun: boolean; readonly by: string },
  deps: StoreMaintenanceDeps,
): Promise<MaintainReport> {
  const { dryRun, by, maxSizeBytes, lowWaterPercent, namespaces, graceMs } = options;
  const { deadline } = deps;
  const report = await runMaintenance(
    { dryRun, maxSizeBytes, lowWaterPercent, namespaces, graceMs },
    { ...deps, shouldStop: () => deadline.check('attempt') },
  );
  if (dryRun) return report;
  const now = deps.now();
  await deps.run('maintain.record', (db) => recordMaintenance(db, report, by, now));
  return report;
}
