import type { Clock } from '../clock.js';
import type { Database, Queryable } from '../db/database.js';
import {
  MigrationDriftError,
  MigrationFailedError,
  MigrationsPendingError,
  SchemaTooNewError,
  UsageError,
  isPgcacheError,
} from '../errors/index.js';
import { migrationChecksum, type Migration } from './migration.js';

/** A migration recorded in the ledger. */
export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
  readonly checksum: string;
  readonly appliedAt: string;
}

/** A migration not applied yet. */
export interface PendingMigration {
  readonly version: number;
  readonly name: string;
  readonly checksum: string;
}

/** An applied migration whose SQL no longer matches what was recorded when it ran. */
export interface DriftedMigration {
  readonly version: number;
  readonly name: string;
  readonly recorded: string;
  readonly expected: string;
}

/** Where a store's schema stands against the migrations this pgcache ships. */
export interface MigrationStatus {
  readonly applied: readonly AppliedMigration[];
  readonly pending: readonly PendingMigration[];
  readonly drifted: readonly DriftedMigration[];
  /** Applied versions this pgcache does not know (a newer pgcache migrated the store). */
  readonly unknown: readonly AppliedMigration[];
  /** Highest applied version (0 when none). */
  readonly current: number;
  /** Highest version this pgcache ships. */
  readonly latest: number;
}

const LEDGER = 'pgcache_migrations';
// Serialises migrators on a shared PostgreSQL server; transaction-scoped, so no session state.
const MIGRATE_LOCK_KEY = 7_061_736_301;

/** Read the ledger and compare it with `migrations`. Read-only: creates nothing. */
export async function readMigrationStatus(
  db: Queryable,
  migrations: readonly Migration[],
): Promise<MigrationStatus> {
  const { rows: exists } = await db.query<{ present: boolean }>(
    `SELECT to_regclass($1) IS NOT NULL AS present`,
    [LEDGER],
  );
  const rows =
    exists[0]?.present === true
      ? (
          await db.query<{ version: number; name: string; checksum: string; applied_at: Date }>(
            `SELECT version, name, checksum, applied_at FROM ${LEDGER} ORDER BY version`,
          )
        ).rows
      : [];
  const applied = rows.map((r) => ({
    version: Number(r.version),
    name: r.name,
    checksum: r.checksum,
    appliedAt: new Date(r.applied_at).toISOString(),
  }));
  const byVersion = new Map(applied.map((a) => [a.version, a]));
  const known = new Set(migrations.map((m) => m.version));
  const pending: PendingMigration[] = [];
  const drifted: DriftedMigration[] = [];
  for (const migration of migrations) {
    const checksum = migrationChecksum(migration);
    const record = byVersion.get(migration.version);
    if (record === undefined)
      pending.push({ version: migration.version, name: migration.name, checksum });
    else if (record.checksum !== checksum) {
      drifted.push({
        version: migration.version,
        name: migration.name,
        recorded: record.checksum,
        expected: checksum,
      });
    }
  }
  return {
    applied,
    pending,
    drifted,
    unknown: applied.filter((a) => !known.has(a.version)),
    current: applied.reduce((max, a) => Math.max(max, a.version), 0),
    latest: migrations.reduce((max, m) => Math.max(max, m.version), 0),
  };
}

/** Throw the error that stops every command on a store whose schema is not current. */
export function assertSchemaCurrent(status: MigrationStatus): void {
  assertNoDrift(status);
  const [first] = status.pending;
  if (first !== undefined) {
    throw new MigrationsPendingError(
      `the store has ${status.pending.length} pending migration(s), starting with ${first.version} ${first.name}`,
      { hint: 'Run `pgcache migrate up` (or `pgcache init`).' },
    );
  }
}

function assertNoDrift(status: MigrationStatus): void {
  const [drift] = status.drifted;
  if (drift !== undefined) {
    throw new MigrationDriftError(
      `migration ${drift.version} ${drift.name} changed after it was applied (recorded checksum ${drift.recorded.slice(0, 12)}…, now ${drift.expected.slice(0, 12)}…)`,
      {
        hint: 'Restore the original migration; applied migrations must never be edited. `pgcache doctor schema` shows the details.',
      },
    );
  }
  const [unknown] = status.unknown;
  if (unknown !== undefined) {
    throw new SchemaTooNewError(
      `the store has migration ${unknown.version} ${unknown.name}, which this pgcache does not know`,
      { hint: 'Upgrade pgcache to the version that migrated this store.' },
    );
  }
}

/** Options of {@link migrateUp} and {@link migrateDown}. */
export interface MigrateOptions {
  readonly migrations: readonly Migration[];
  readonly clock: Clock;
  /** Stop after (up) or go down to (down) this version. */
  readonly to?: number;
}

/**
 * Apply pending migrations in order, each in its own transaction with its ledger row; stop at the
 * first failure. Refuses to run when an applied migration drifted. Returns the versions applied.
 */
export async function migrateUp(
  db: Database,
  options: MigrateOptions,
): Promise<PendingMigration[]> {
  const status = await readMigrationStatus(db, options.migrations);
  assertNoDrift(status);
  // Nothing pending: no DDL either (a role that may only read and write can open the store).
  if (status.pending.length === 0) return [];
  await ensureLedger(db);
  const done: PendingMigration[] = [];
  for (const pending of status.pending) {
    if (options.to !== undefined && pending.version > options.to) break;
    const migration = options.migrations.find((m) => m.version === pending.version);
    if (migration === undefined) continue;
    await runInTransaction(db, migration, 'up', async (tx) => {
      const { rows } = await tx.query(`SELECT 1 FROM ${LEDGER} WHERE version = $1`, [
        migration.version,
      ]);
      if (rows.length > 0) return; // applied meanwhile by another process
      await tx.exec(migration.up);
      await tx.query(
        `INSERT INTO ${LEDGER} (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)`,
        [migration.version, migration.name, pending.checksum, new Date(options.clock.now())],
      );
    });
    done.push(pending);
  }
  return done;
}

/** Undo applied migrations above `to`, newest first, each in its own transaction. */
export async function migrateDown(
  db: Database,
  options: MigrateOptions & { readonly to: number },
): Promise<AppliedMigration[]> {
  if (!Number.isInteger(options.to) || options.to < 0) {
    throw new UsageError(`--to must be a version number (0 or more), got ${options.to}`, {
      hint: 'Run `pgcache migrate status` to see the versions.',
    });
  }
  const status = await readMigrationStatus(db, options.migrations);
  assertNoDrift(status);
  const undone: AppliedMigration[] = [];
  for (const applied of [...status.applied].reverse()) {
    if (applied.version <= options.to) break;
    const migration = options.migrations.find((m) => m.version === applied.version);
    if (migration === undefined) continue;
    await runInTransaction(db, migration, 'down', async (tx) => {
      await tx.exec(migration.down);
      await tx.query(`DELETE FROM ${LEDGER} WHERE version = $1`, [migration.version]);
    });
    undone.push(applied);
  }
  return undone;
}

async function ensureLedger(db: Database): Promise<void> {
  await db.exec(`CREATE TABLE IF NOT EXISTS ${LEDGER} (
  version    integer     PRIMARY KEY,
  name       text        NOT NULL,
  checksum   text        NOT NULL,
  applied_at timestamptz NOT NULL
)`);
}

async function runInTransaction(
  db: Database,
  migration: Migration,
  direction: 'up' | 'down',
  body: (tx: Queryable) => Promise<void>,
): Promise<void> {
  try {
    await db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock($1)`, [MIGRATE_LOCK_KEY]);
      await body(tx);
    });
  } catch (error) {
    const reason = isPgcacheError(error) ? error.message : String(error);
    throw new MigrationFailedError(
      `migration ${migration.version} ${migration.name} (${direction}) failed and was rolled back: ${reason}`,
      {
        cause: error,
        hint: 'Nothing of this migration was applied; fix the cause and run `pgcache migrate up` again.',
      },
    );
  }
}
