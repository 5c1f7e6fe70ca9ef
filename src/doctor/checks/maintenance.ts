import { formatBytes, formatDuration, formatRelative } from '../../config/units.js';
import { isPgcacheError } from '../../errors/index.js';
import {
  maintenanceProbe,
  purgeExpiredFix,
  type MaintenanceProbe,
} from '../../operations/doctor-probes.js';
import { judge, plural, type Check, type CheckResult, type Finding } from '../check.js';
import type { DoctorContext } from '../doctor-context.js';
import { withSessionStore } from '../with-session-store.js';

/** Expired backlog, size against the max, dead rows and WAL, and when maintenance last ran. */
export const maintenanceCheck: Check = {
  id: 'maintenance',
  title: 'maintenance: expired backlog, max size, dead rows, WAL, last run',
  fixes: 'purges expired entries',
  run(ctx) {
    return withSessionStore(ctx, 2, async () =>
      judgeMaintenance(ctx, await ctx.probe(maintenanceProbe, { analyze: ctx.embedded })),
    );
  },
  async fix(ctx) {
    const session = await ctx.session();
    if (session.state !== 'open') return undefined;
    const purged = await ctx.probe(purgeExpiredFix, {});
    return purged.entries === 0
      ? undefined
      : `purged ${plural(purged.entries, 'expired entry', 'expired entries')} (${formatBytes(purged.bytes)})`;
  },
};

function judgeMaintenance(ctx: DoctorContext, stats: MaintenanceProbe): CheckResult {
  const t = ctx.thresholds;
  const { rows } = stats;
  const findings: Finding[] = [];
  const maintain =
    'Run `pgcache maintain` (it purges, evicts down to the low-water mark, then runs VACUUM and CHECKPOINT).';
  if (stats.bytes.total > stats.bytes.max) {
    findings.push({
      status: 'fail',
      detail: `the store holds ${formatBytes(stats.bytes.total)}, above its max size ${formatBytes(stats.bytes.max)} (${stats.bytes.usedPercent}%)`,
      fix: `${maintain} Or raise maxSizeBytes (PGCACHE_MAX_SIZE).`,
    });
  }
  if (stats.expired > t.expiredEntries) {
    findings.push({
      status: 'warn',
      detail: `${plural(stats.expired, 'expired entry', 'expired entries')} (${formatBytes(stats.expiredBytes)}) wait to be purged`,
      fix: 'Run `pgcache doctor --fix` or `pgcache maintain` to purge them.',
    });
  }
  if (rows.dead > Math.max(t.deadRows, rows.live / 5)) {
    findings.push({
      status: 'warn',
      detail: `${plural(rows.dead, 'dead row')} in the entries table (${plural(rows.live, 'live row')})${ctx.embedded ? '; PGlite never vacuums by itself' : ''}`,
      fix: maintain,
    });
  }
  if (stats.bytes.wal !== null && stats.bytes.wal > t.walBytes) {
    findings.push({
      status: 'warn',
      detail: `the WAL takes ${formatBytes(stats.bytes.wal)} (above ${formatBytes(t.walBytes)}); PGlite never checkpoints by itself`,
      fix: maintain,
    });
  }
  const last = lastRun(ctx, stats.lastMaintenance?.at, stats.createdAt);
  if (last.finding !== undefined) findings.push(last.finding);
  const facts = [
    `${formatBytes(stats.bytes.total)} of ${formatBytes(stats.bytes.max)} (${stats.bytes.usedPercent}%)`,
    `${plural(stats.expired, 'expired entry', 'expired entries')} waiting`,
    `${plural(rows.dead, 'dead row')}`,
    `on disk ${formatBytes(stats.bytes.onDisk)}${stats.bytes.wal === null ? '' : `, WAL ${formatBytes(stats.bytes.wal)}`}`,
    last.text,
  ].join('; ');
  return judge(facts, findings, {
    bytes: stats.bytes,
    expired: stats.expired,
    expiredBytes: stats.expiredBytes,
    deadRows: rows.dead,
    liveRows: rows.live,
    lastMaintenance: stats.lastMaintenance,
  });
}

// "Too long ago" counts from the last run, or from the store's creation when it never ran.
function lastRun(
  ctx: DoctorContext,
  at: string | undefined,
  createdAt: string | null,
): { text: string; finding?: Finding } {
  const now = ctx.now();
  const since = at ?? createdAt ?? undefined;
  const text =
    at === undefined
      ? `never maintained${since === undefined ? '' : ` (store created ${formatRelative(since, now)})`}`
      : `last maintenance ${formatRelative(at, now)}`;
  if (since === undefined || now - new Date(since).getTime() <= ctx.thresholds.maintenanceAgeMs) {
    return { text };
  }
  return {
    text,
    finding: {
      status: 'warn',
      detail: `${at === undefined ? 'maintenance never ran' : 'the last maintenance ran'} more than ${formatDuration(ctx.thresholds.maintenanceAgeMs)} ago`,
      fix: `Schedule it with cron: \`${cronLine(ctx)}\`.`,
    },
  };
}

function cronLine(ctx: DoctorContext): string {
  const loaded = ctx.deps.config;
  const dataDir = isPgcacheError(loaded)
    ? undefined
    : loaded.settings.find((s) => s.key === 'dataDir' && s.source !== 'default');
  const flag = dataDir === undefined || !ctx.embedded ? '' : ` --data-dir ${ctx.config?.dataDir}`;
  return `*/15 * * * * cd ${ctx.deps.cwd} && npx pgcache maintain --quiet${flag}`;
}
