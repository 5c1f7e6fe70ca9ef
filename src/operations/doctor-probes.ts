import type { Database, Queryable, WireStats } from '../db/database.js';
import { readRowCounts, type RowCounts } from '../doctor/dead-rows.js';
import { createIndexStatement, entryIndexes } from '../doctor/entry-indexes.js';
import { recountSizes, type RecountReport } from '../doctor/size-recount.js';
import { purgeExpired } from '../maintain/purge-expired.js';
import type { BreakerSnapshot } from '../resilience/circuit-breaker.js';
import { readBreakerSnapshots } from '../store/breaker-persistence.js';
import { META_KEYS, readMeta } from '../store/meta.js';
import { readSizeFigures } from '../store/size-query.js';
import { mergeBreakers, type LastRun, type StoreStats } from '../store/stats.js';
import { InputReader } from './input.js';
import type { ControlStats, SessionHolder } from './live-figures.js';
import type { Operation, OperationContext } from './operation.js';

// The probes of `doctor`: what each check reads from the store, run where the store is owned
// (by the doctor itself, or by the owner for a doctor on its control socket). The checks judge.

/** A read of `doctor`: past the breaker, so that a store whose breaker is open can be examined. */
function inspect<T>(ctx: OperationContext, fn: (db: Database) => Promise<T>): Promise<T> {
  return ctx.store.execute('read', 'doctor.inspect', fn, {
    deadline: ctx.deadline,
    bypassBreaker: true,
  });
}

/** A repair of `doctor --fix`: alone, past the breaker, bound by the deadline. */
function repair<T>(ctx: OperationContext, fn: (db: Database) => Promise<T>): Promise<T> {
  return ctx.store.execute('write', 'doctor.repair', fn, {
    deadline: ctx.deadline,
    bypassBreaker: true,
    exclusive: true,
  });
}

/** The owner's connections, from memory (they answer while a client holds the session). */
export interface ConnectionsProbe {
  readonly wire: WireStats | null;
  readonly holder: SessionHolder | null;
  readonly control: ControlStats | null;
}

/** Counts of the entries table as a whole, beside the totals by kind. */
export interface TableFigures {
  readonly entries: number;
  readonly bytes: number;
  readonly negative: number;
  readonly future: number;
  readonly futureKeys: readonly string[];
  readonly negativeKeys: readonly string[];
}

/** What the integrity check reads. */
export interface IntegrityProbe {
  readonly table: TableFigures;
  readonly byKind: { readonly entries: number; readonly bytes: number };
  readonly recount: RecountReport;
  /** How many indexes the store should have: its schema's and the declared paths'. */
  readonly expectedIndexes: number;
  readonly missingIndexes: readonly string[];
}

/** What the maintenance check reads. */
export interface MaintenanceProbe {
  readonly bytes: StoreStats['bytes'];
  readonly expired: number;
  readonly expiredBytes: number;
  readonly rows: RowCounts;
  readonly lastMaintenance: LastRun | null;
  /** When the store was created (its first migration), read only when it was never maintained. */
  readonly createdAt: string | null;
}

const noInput = (): Record<string, never> => ({});

/** The owner's wire clients, session holder and control requests. */
export const connectionsProbe: Operation<Record<string, never>, ConnectionsProbe> = {
  name: 'doctor-connections',
  parseInput: noInput,
  run(ctx) {
    const { live } = ctx;
    const control = live.control();
    return Promise.resolve({
      wire: live.wire() ?? null,
      holder: live.holder() ?? null,
      // Without this request itself: the figures are of the others.
      control:
        control === undefined
          ? null
          : {
              ...control,
              current: control.current - 1,
              clients: control.clients.filter((c) => c.id !== ctx.requestId),
            },
    });
  },
};

/** Totals, a recount of sizes, impossible values and the indexes of the entries table. */
export const integrityProbe: Operation<
  { horizon: string; recountEntries: number; declared: string[] },
  IntegrityProbe
> = {
  name: 'doctor-integrity',
  parseInput(raw) {
    const input = new InputReader('doctor-integrity', raw);
    return {
      horizon: input.string('horizon'),
      recountEntries: input.optionalNumber('recountEntries') ?? 10_000,
      declared: input.value('declared') === undefined ? [] : input.strings('declared'),
    };
  },
  async run(ctx, { horizon, recountEntries, declared }) {
    const read = <T>(fn: (db: Queryable) => Promise<T>): Promise<T> => inspect(ctx, fn);
    const table = await read((db) => tableFigures(db, new Date(horizon)));
    const sizes = await read((db) => readSizeFigures(db, new Date(ctx.clock.now())));
    const recount = await recountSizes(read, { maxEntries: recountEntries });
    const { expected, missing } = await read((db) => entryIndexes(db, declared));
    return {
      table,
      byKind: { entries: sizes.entries.total, bytes: sizes.bytes.total },
      recount,
      expectedIndexes: expected.length,
      missingIndexes: missing.map((i) => i.name),
    };
  },
};

/** Create the indexes of the store that are missing; resolves to their names. */
export const createIndexesFix: Operation<{ declared: string[] }, { created: string[] }> = {
  name: 'doctor-fix-indexes',
  parseInput(raw) {
    const input = new InputReader('doctor-fix-indexes', raw);
    return { declared: input.value('declared') === undefined ? [] : input.strings('declared') };
  },
  async run(ctx, { declared }) {
    const { missing } = await inspect(ctx, (db) => entryIndexes(db, declared));
    for (const index of missing) await repair(ctx, (db) => db.exec(createIndexStatement(index)));
    return { created: missing.map((i) => i.name) };
  },
};

/** Size against the max, the expired backlog, dead rows, and the last maintenance. */
export const maintenanceProbe: Operation<{ analyze: boolean }, MaintenanceProbe> = {
  name: 'doctor-maintenance',
  parseInput(raw) {
    return { analyze: new InputReader('doctor-maintenance', raw).boolean('analyze') };
  },
  async run(ctx, { analyze }) {
    const stats = await ctx.store.stats({ deadline: ctx.deadline });
    const rows = await inspect(ctx, (db) => readRowCounts(db, { analyze }));
    const createdAt =
      stats.lastMaintenance === null
        ? ((await ctx.store.migrationStatus({ deadline: ctx.deadline })).applied[0]?.appliedAt ??
          null)
        : null;
    return {
      bytes: stats.bytes,
      expired: stats.expired,
      expiredBytes: stats.expiredBytes,
      rows,
      lastMaintenance: stats.lastMaintenance,
      createdAt,
    };
  },
};

/** Purge expired entries now; resolves to what was purged. */
export const purgeExpiredFix: Operation<
  Record<string, never>,
  { entries: number; bytes: number }
> = {
  name: 'doctor-fix-expired',
  parseInput: noInput,
  run(ctx) {
    return purgeExpired(
      (_name, fn) => repair(ctx, fn),
      new Date(ctx.clock.now()),
      500,
      () => undefined,
    );
  },
};

/**
 * Every breaker: for a doctor in another process, the owner's live ones first; then the ones
 * persisted (a doctor that opened the store itself has only just resumed its own from those).
 */
export const breakersProbe: Operation<Record<string, never>, { breakers: BreakerSnapshot[] }> = {
  name: 'doctor-breakers',
  parseInput: noInput,
  async run(ctx) {
    const persisted = await inspect(ctx, readBreakerSnapshots);
    const live = ctx.requestId === undefined ? [] : ctx.store.runnerStats().breakers;
    return { breakers: mergeBreakers(live, persisted) };
  },
};

/** The document the last `pgcache stress` run recorded, or null. */
export const lastStressProbe: Operation<
  Record<string, never>,
  { lastStress: Record<string, unknown> | null }
> = {
  name: 'doctor-last-stress',
  parseInput: noInput,
  async run(ctx) {
    const doc = await inspect(ctx, (db) =>
      readMeta<Record<string, unknown>>(db, META_KEYS.lastStress),
    );
    return { lastStress: doc ?? null };
  },
};

/** The probes and fixes of `doctor`, for the control socket. */
export const DOCTOR_PROBES = [
  connectionsProbe,
  integrityProbe,
  createIndexesFix,
  maintenanceProbe,
  purgeExpiredFix,
  breakersProbe,
  lastStressProbe,
] as const;

async function tableFigures(db: Queryable, horizon: Date): Promise<TableFigures> {
  const { rows } = await db.query<{
    entries: number;
    bytes: number | string;
    negative: number;
    future: number;
  }>(
    `SELECT count(*)::integer AS entries, coalesce(sum(size_bytes), 0)::bigint AS bytes,
            (count(*) FILTER (WHERE size_bytes < 0))::integer AS negative,
            (count(*) FILTER (WHERE created_at > $1))::integer AS future
       FROM pgcache_entries`,
    [horizon],
  );
  const row = rows[0];
  const keys = async (where: string, params: unknown[]): Promise<string[]> =>
    (
      await db.query<{ key: string }>(
        `SELECT key FROM pgcache_entries WHERE ${where} ORDER BY key LIMIT 3`,
        params,
      )
    ).rows.map((r) => r.key);
  const negative = Number(row?.negative ?? 0);
  const future = Number(row?.future ?? 0);
  return {
    entries: Number(row?.entries ?? 0),
    bytes: Number(row?.bytes ?? 0),
    negative,
    future,
    negativeKeys: negative > 0 ? await keys('size_bytes < 0', []) : [],
    futureKeys: future > 0 ? await keys('created_at > $1', [horizon]) : [],
  };
}
