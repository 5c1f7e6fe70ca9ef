import { formatBytes, formatDuration } from '../../config/units.js';
import {
  createIndexesFix,
  integrityProbe,
  type IntegrityProbe,
} from '../../operations/doctor-probes.js';
import { judge, plural, type Check, type CheckResult, type Finding } from '../check.js';
import type { DoctorContext } from '../doctor-context.js';
import { expectedIndexes } from '../entry-indexes.js';
import { withSessionStore } from '../with-session-store.js';

/** Size accounting matches a recount; no negative size or future creation time; indexes present. */
export const integrityCheck: Check = {
  id: 'integrity',
  title: 'integrity: size accounting, impossible values, indexes',
  fixes: 'creates missing indexes of the entries table',
  run(ctx) {
    return withSessionStore(ctx, 1, async () => {
      const horizon = new Date(ctx.now() + ctx.thresholds.clockSkewMs).toISOString();
      const recountEntries = ctx.thresholds.recountEntries;
      const declared = [...(ctx.config?.indexes ?? [])];
      const probe = await ctx.probe(integrityProbe, { horizon, recountEntries, declared });
      return judgeEntries(ctx, probe);
    });
  },
  async fix(ctx) {
    const session = await ctx.session();
    if (session.state !== 'open') return undefined;
    const declared = [...(ctx.config?.indexes ?? [])];
    const { created } = await ctx.probe(createIndexesFix, { declared });
    return created.length === 0 ? undefined : `created index ${created.join(', ')}`;
  },
};

function judgeEntries(ctx: DoctorContext, probe: IntegrityProbe): CheckResult {
  const { table, byKind, recount } = probe;
  const missing = probe.missingIndexes;
  const findings: Finding[] = [];
  const totalsMatch = byKind.entries === table.entries && byKind.bytes === table.bytes;
  if (!totalsMatch) {
    findings.push({
      status: 'fail',
      detail: `the totals by kind (${plural(byKind.entries, 'entry', 'entries')}, ${byKind.bytes} B) differ from the table's (${plural(table.entries, 'entry', 'entries')}, ${table.bytes} B)`,
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
  const notes = new Map(
    expectedIndexes(ctx.config?.indexes ?? []).map((index) => [index.name, index.without]),
  );
  for (const name of missing) {
    const without = notes.get(name);
    findings.push({
      status: 'fail',
      detail: `index ${name} is missing${without === undefined ? '' : ` (${without})`}`,
      fix: 'Run `pgcache doctor --fix` to create it.',
    });
  }
  const recounted =
    recount.checked === table.entries
      ? `${recount.checked} of ${table.entries} sizes recounted`
      : `the first ${recount.checked} of ${table.entries} sizes (by key) recounted`;
  const totals = totalsMatch ? 'totals by kind match' : 'totals by kind differ';
  const facts = `${plural(table.entries, 'entry', 'entries')}, ${formatBytes(table.bytes)}; ${totals}; ${recounted}; ${probe.expectedIndexes - missing.length} of ${probe.expectedIndexes} indexes present`;
  return judge(facts, findings, {
    entries: table.entries,
    bytes: table.bytes,
    recounted: recount.checked,
    sizeMismatches: recount.examples,
    negative: table.negative,
    future: table.future,
    missingIndexes: missing,
  });
}
