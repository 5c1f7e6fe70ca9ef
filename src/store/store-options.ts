import type { Clock } from '../clock.js';
import type { Database, Transaction } from '../db/database.js';
import type { DataDirLock } from '../db/data-dir-lock.js';
import type { NamespacePolicies } from '../namespaces/namespace-policy.js';
import type { Deadline } from '../resilience/deadline.js';
import type { OperationRunner } from '../resilience/operation-runner.js';
import type { ReleaseLock } from '../maintain/maintenance-lock.js';

/** What callers tune in a store. */
export interface StoreOptions {
  /** TTL of entries written without one; 0 = never expire. */
  readonly defaultTtlMs: number;
  readonly maxEntryBytes: number;
  readonly maxSizeBytes: number;
  readonly lowWaterPercent: number;
  /** Budget of one call when the caller gives no deadline. */
  readonly timeoutMs: number;
  /** How often buffered access times and counters are written. @default 1000 */
  readonly flushIntervalMs?: number;
  /** Buffered reads that trigger a write before the interval. @default 500 */
  readonly flushThreshold?: number;
  /** Per-namespace quotas, enforced on every write and by `maintain`. @default {} */
  readonly namespaces?: NamespacePolicies;
  /** How long `maintain` keeps expired entries, for grace reads. @default 0 */
  readonly graceMs?: number;
}

/** What a store is built from; it owns and closes all of it. */
export interface StoreDeps {
  readonly database: Database;
  readonly runner: OperationRunner;
  readonly clock: Clock;
  /** The data-directory lock, released on close (embedded store only). */
  readonly lock?: DataDirLock | undefined;
  /** Called with problems that do not fail a call (a flush that failed on close). */
  readonly onWarning?: ((message: string) => void) | undefined;
  /** Called once on close, before the database closes (to end subscriptions, save the breaker). */
  readonly onClose?: (() => void | Promise<void>) | undefined;
  /** Called once at the start of close(), while the store still takes calls (the control socket). */
  readonly beforeClose?: (() => Promise<void>) | undefined;
  /**
   * Serialises maintenance runs across processes (a PostgreSQL server's advisory lock): waits
   * until the deadline, or (`ifIdle`) fails at once with E_MAINTENANCE_RUNNING.
   */
  readonly maintenanceLock?:
    ((deadline: Deadline, ifIdle: boolean) => Promise<ReleaseLock>) | undefined;
}

/** Per-call options. */
export interface CallOptions {
  /** When the call must be finished; defaults to `timeoutMs` from now. */
  readonly deadline?: Deadline | undefined;
}

/** Options of {@link Store.deletePrefix}. */
export interface DeletePrefixOptions extends CallOptions {
  /**
   * Delete only entries that hold a Keyv envelope (`{"value":…,"expires":…}`, or its old JSON
   * string form): what the Keyv adapter wrote. @default false
   */
  readonly envelopes?: boolean | undefined;
}

/** Options of {@link Store.get}. */
export interface GetOptions extends CallOptions {
  /**
   * Also return an entry that expired less than this long ago (its `expiresAt` tells); such a
   * stale entry counts as a miss. @default 0
   */
  readonly graceMs?: number | undefined;
}

/** Options of {@link Store.set} and {@link Store.setMany}. */
export interface SetOptions extends CallOptions {
  /** Time to live in ms; 0 = never expires. @default the store's defaultTtlMs */
  readonly ttlMs?: number | undefined;
  /** Run in the write's own transaction, after it (the write-behind outbox). */
  readonly also?: ((tx: Transaction) => Promise<void>) | undefined;
}

/** Options of {@link Store.maintain}. */
export interface StoreMaintainOptions extends CallOptions {
  readonly dryRun?: boolean | undefined;
  /** Fail at once with E_MAINTENANCE_RUNNING when a run is in progress. @default false */
  readonly ifIdle?: boolean | undefined;
  /** Who asks, for the maintenance ledger. @default 'this process' */
  readonly requestedBy?: string | undefined;
}
