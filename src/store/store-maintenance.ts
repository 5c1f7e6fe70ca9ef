import type { DiskFootprint } from '../db/database.js';
import { runMaintenance, type MaintainReport } from '../maintain/maintain.js';
import type { RunStep } from '../maintain/purge-expired.js';
import type { ReleaseLock } from '../maintain/maintenance-lock.js';
import type { NamespacePolicies } from '../namespaces/namespace-policy.js';
import type { Deadline } from '../resilience/deadline.js';
import type { OwnerApi } from './owned-store.js';
import type { StoreMaintainOptions } from './store-options.js';

/** The store's settings a maintenance run goes by. */
export interface StoreMaintenanceOptions {
  readonly maxSizeBytes: number;
  readonly lowWaterPercent: number;
  readonly namespaces: NamespacePolicies;
  readonly graceMs: number;
}

/** What a maintenance run needs from its store. */
export interface StoreMaintenanceDeps {
  /** Write buffered reads first, so that eviction sees the latest access times. */
  readonly flush: (options: StoreMaintainOptions) => Promise<void>;
  readonly deadline: (options: StoreMaintainOptions) => Deadline;
  /** The owner of the data directory, when the store is reached through `serve`: it runs it. */
  readonly owner: OwnerApi | undefined;
  /** Serialises runs across processes (a PostgreSQL server's advisory lock). */
  readonly lock: ((deadline: Deadline) => Promise<ReleaseLock>) | undefined;
  readonly run: (deadline: Deadline) => RunStep;
  readonly exclusive: (deadline: Deadline) => RunStep;
  readonly footprint: () => Promise<DiskFootprint>;
  /** True for the embedded store, which has no autovacuum and no checkpointer. */
  readonly reclaimDisk: boolean;
  readonly now: () => Date;
  /** Record the report of a real run (for `stats` and `doctor`). */
  readonly record: (report: MaintainReport, deadline: Deadline) => Promise<void>;
}

/**
 * The store's maintenance: one run at a time in this process (a second call joins the first),
 * one at a time on a server (its lock), and through `serve` the owner's run.
 */
export class StoreMaintenance {
  readonly #options: StoreMaintenanceOptions;
  readonly #deps: StoreMaintenanceDeps;
  #running: Promise<MaintainReport> | undefined;

  constructor(options: StoreMaintenanceOptions, deps: StoreMaintenanceDeps) {
    this.#options = options;
    this.#deps = deps;
  }

  /** Purge expired entries, evict LRU entries above the max size, reclaim disk; records the run. */
  async run(options: StoreMaintainOptions): Promise<MaintainReport> {
    this.#running ??= this.#start(options).finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #start(options: StoreMaintainOptions): Promise<MaintainReport> {
    const deps = this.#deps;
    await deps.flush(options);
    const deadline = deps.deadline(options);
    const dryRun = options.dryRun === true;
    if (deps.owner !== undefined) return deps.owner.maintain({ dryRun, deadline });
    const release = await deps.lock?.(deadline);
    try {
      const report = await runMaintenance(
        { ...this.#options, dryRun },
        {
          run: deps.run(deadline),
          exclusive: deps.exclusive(deadline),
          footprint: deps.footprint,
          reclaimDisk: deps.reclaimDisk,
          now: deps.now,
          shouldStop: () => deadline.check('attempt'),
        },
      );
      if (!dryRun) await deps.record(report, deadline);
      return report;
    } finally {
      await release?.();
    }
  }
}
