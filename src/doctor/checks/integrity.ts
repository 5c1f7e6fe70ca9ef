import { formatBytes, formatDuration } from '../../config/units.js';
import { inspect, repair } from '../store-access.js';
import type { Queryable } from '../../db/database.js';
import { readSizeFigures } from '../../store/size-query.js';
import type { Store } from '../../store/store.js';
import { judge, plural, type Check, type CheckResult, type Finding } from '../check.js';
import type { DoctorContext } from '../doctor-context.js';
import { createIndexStatement, entryIndexes } from '../entry-indexes.js';
import { recountSizes } from '../size-recount.js';
import { withSessionStore } from '../with-session-store.js';

/** Size accounting matches a recount; no negative size or future creation time; indexes present. */
export const integrityCheck: Check = {
  id: 'integrity',
  title: 'integrity: size accounting, impossible values, indexes',
  fixes: 'creates missing indexes of the entries table',
  run(ctx) {
    return withSessionStore(ctx, 1, (store) => inspectEntries(ctx, store));
  },
  async fix(ctx) {
    const session = await ctx.session();
    if (session.state !== 'open') return undefined;
    const { store } = session;
    const declared = ctx.config?.indexes ?? [];
    const { missing } = await inspect(store, 'doctor.indexes', (db) => entryIndexes(db, declared));
    for (const index of missing) {
      await repair(store, 'doctor.create-index', (db) => db.exec(createIndexStatement(index)));
    }
    return missing.length === 0
      ? undefined
      : `created index ${missing.map((i) => i.name).join(', ')}`;
  },
};

interface TableFigures {
  entries: number;
  bytes: number;
  negative: number;
  future: number;
  futureKeys: string[];
  negativeKeys: string[];
}

async function inspectEntries(ctx: DoctorContext, store: Store): Promise<CheckResult> {
  const now = new Date(ctx.now());
  const horizon = new Date(now.getTime() + ctx.thresholds.clockSkewMs);
  const read = <T>(fn: (db: Queryable) => Promise<T>): Promise<T> =>
    inspect(store, 'doctor.integrity', fn);
  const table = await read((db) => tableFigures(db, horizon));
  const byKind = await read((db) => readSizeFigures(db, now));
  const recount = await recountSizes(read, { maxEntries: ctx.thresholds.recountEntries });
  const declared = ctx.config?.indexes ?? [];
  const { expected, missing } = await read((db) => entryIndexes(db, declared));
  const findings: Finding[] = [];
  const totalsMatch = byKind.entries.total === table.entries && byKind.bytes.total === table.bytes;
  if (!totalsMatch) {
    findings.push({
      status: 'fail',
      detail: `the totals by kind (${plural(byKind.entries.total, 'entry', 'entries')}, ${byKind.bytes.total} B) differ from the table's (${plural(table.entries, 'entry', 'entries')}, ${table.bytes} B)`,
      fix: 'Delete the entries whose kind is not component, block or generic; stats and maintain do not count them.',
    });
  }
  if (recount.mismatches > 0) {
    const e = recount.examples[0];
    findings.push({
      status: 'fail',
      detail: `${recount.mismatches} of ${recount.checked} recounted entries record a size other than their JSON's${e === undefined ? '' : ` (${e.key} records ${e.recorded} B, holds ${e.actual} B)`}`,
      fix: 'Store those entries again (`pgcache set`) or delete them: maxSizeBytes and eviction go by the recorded sizes.',
    });
  }
  if (table.negative > 0) {
    findings.push({
      status: 'fail',
      detail: `${plural(table.negative, 'entry records', 'entries record')} a negative size (${table.negativeKeys.join(', ')})`,
      fix: 'Delete them with `pgcache del KEY` and store them again.',
    });
  }
  if (table.future > 0) {
    findings.push({
      status: 'fail',
      detail: `${plural(table.future, 'entry was', 'entries were')} created more than ${formatDuration(ctx.thresholds.clockSkewMs)} in the future (${table.futureKeys.join(', ')})`,
      fix: 'Check the clock of every machine that writes to this store (NTP), then store those entries again or delete them: LRU eviction trusts these times.',
    });
  }
  for (const index of missing) {
    findings.push({
      status: 'fail',
      detail: `index ${index.name} is missing${index.without === undefined ? '' : ` (${index.without})`}`,
      fix: 'Run `pgcache doctor --fix` to create it.',
    });
  }
  const recounted =
    recount.checked === table.entries
      ? `${recount.checked} of ${table.entries} sizes recounted`
      : `the first ${recount.checked} of ${table.entries} sizes (by key) recounted`;
  const totals = totalsMatch ? 'totals by kind match' : 'totals by kind differ';
  const facts = `${plural(table.entries, 'entry', 'entries')}, ${formatBytes(table.bytes)}; ${totals}; ${recounted}; ${expected.length - missing.length} of ${expected.length} indexes present`;
  return judge(facts, findings, {
    entries: table.entries,
    bytes: table.bytes,
    recounted: recount.checked,
    sizeMismatches: recount.examples,
    negative: table.negative,
    future: table.future,
    missingIndexes: missing.map((i) => i.name),
  });
}

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
