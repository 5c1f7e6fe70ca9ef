import type { Database, Queryable } from '../db/database.js';
import type { MaintainReport } from './maintain.js';
import { META_KEYS, readMeta, writeMeta } from '../store/meta.js';

/** One finished maintenance run, as the ledger keeps it. */
export interface LedgerEntry {
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Who asked for it, e.g. `pid 4242 (pgcache maintain)`. */
  readonly requestedBy: string;
  readonly bytesFreed: number;
}

/** Runs the ledger keeps, the newest last. */
export const LEDGER_LENGTH = 100;

/** The recorded runs, oldest first. */
export async function readMaintenanceLedger(db: Queryable): Promise<LedgerEntry[]> {
  return (await readMeta<LedgerEntry[]>(db, META_KEYS.maintenanceLedger)) ?? [];
}

/**
 * Add a finished run to the ledger (the last {@link LEDGER_LENGTH} are kept). Runs never overlap,
 * so one is read and written at a time; call it inside the run's transaction.
 */
export async function recordMaintenanceRun(
  db: Queryable,
  entry: LedgerEntry,
  now: Date,
): Promise<void> {
  const runs = await readMaintenanceLedger(db);
  await writeMeta(db, META_KEYS.maintenanceLedger, [...runs, entry].slice(-LEDGER_LENGTH), now);
}

/**
 * Record a finished run in one transaction: the `last-maintenance` document (its whole report)
 * and its line in the ledger.
 */
export function recordMaintenance(
  db: Database,
  report: MaintainReport,
  requestedBy: string,
  now: Date,
): Promise<void> {
  const entry: LedgerEntry = {
    startedAt: report.startedAt,
    finishedAt: now.toISOString(),
    requestedBy,
    bytesFreed: report.bytesFreed,
  };
  return db.transaction(async (tx) => {
    await writeMeta(tx, META_KEYS.lastMaintenance, report, now);
    await recordMaintenanceRun(tx, entry, now);
  });
}
