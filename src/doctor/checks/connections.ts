import { formatBytes, formatDuration } from '../../config/units.js';
import { inspect } from '../store-access.js';
import type { OpenHandle } from '../../db/handle-registry.js';
import { judge, plural, type Check, type CheckResult, type Finding } from '../check.js';
import type { DoctorContext } from '../doctor-context.js';
import { readIdleSessions, type IdleSession } from '../idle-sessions.js';
import { runLifecycleProbe, type ProbeReport } from '../lifecycle-probe.js';
import { skippedWithout } from '../with-session-store.js';

const CLOSE_EVERYTHING =
  'Something in this process opens a store or database and never closes it: close every openStore() result (`await store.close()` in a finally).';

/**
 * Leaked connections: the lifecycle probe in this process and, on a PostgreSQL server, this
 * tool's sessions left idle or idle in a transaction.
 */
export const connectionsCheck: Check = {
  id: 'connections',
  title: 'leaked connections: open/close probe, idle server sessions',
  async run(ctx) {
    const session = await ctx.session();
    if (session.state === 'unavailable') return skippedWithout(session);
    const t = ctx.thresholds;
    const idle = ctx.embedded
      ? undefined
      : await inspect(session.store, 'doctor.sessions', (db) =>
          readIdleSessions(db, Math.min(t.idleSessionMs, t.idleInTransactionMs)),
        );
    // The probe measures from a clean slate: the doctor's own store is closed first.
    await ctx.closeSession();
    const probe = await runLifecycleProbe(ctx);
    return judgeConnections(ctx, probe, idle);
  },
};

function judgeConnections(
  ctx: DoctorContext,
  probe: ProbeReport,
  idle: readonly IdleSession[] | undefined,
): CheckResult {
  const t = ctx.thresholds;
  const findings: Finding[] = [];
  if (probe.leakedHandles.length > 0) {
    findings.push({
      status: 'fail',
      detail: `${plural(probe.leakedHandles.length, 'database handle')} still open after ${plural(probe.cycles, 'open/close cycle')}: ${describeHandles(ctx, probe.leakedHandles)}`,
      fix: CLOSE_EVERYTHING,
    });
  }
  if (probe.error !== undefined) {
    findings.push({
      status: 'fail',
      detail: probe.error,
      fix:
        probe.leakedHandles.length > 0
          ? CLOSE_EVERYTHING
          : 'Run `pgcache doctor connections` again; if it keeps failing, look at the lock and open checks.',
    });
  }
  if (probe.openBefore.length > 0) {
    findings.push({
      status: 'warn',
      detail: `${plural(probe.openBefore.length, 'database handle')} already open in this process before the probe: ${describeHandles(ctx, probe.openBefore)}`,
      fix: CLOSE_EVERYTHING,
    });
  }
  if (probe.leakedResources.length > 0) {
    findings.push({
      status: 'fail',
      detail: `still active after the probe: ${probe.leakedResources.join(', ')}`,
      fix: CLOSE_EVERYTHING,
    });
  }
  const growth = probe.memoryGrowthBytes;
  if (growth !== null && growth > t.memoryGrowthBytes) {
    findings.push({
      status: 'warn',
      detail: `memory grew by at least ${formatBytes(growth)} at every open/close cycle`,
      fix: 'Something keeps closed stores reachable; take a heap snapshot (`node --heapsnapshot-signal`) to see what holds them.',
    });
  }
  for (const s of idle ?? []) {
    const inTransaction = s.state.startsWith('idle in transaction');
    if (!inTransaction && s.idleMs < t.idleSessionMs) continue;
    if (inTransaction && s.idleMs < t.idleInTransactionMs) continue;
    findings.push({
      status: inTransaction ? 'fail' : 'warn',
      detail: `server session pid ${s.pid} has been ${s.state} for ${formatDuration(s.idleMs)} (last: ${s.query})`,
      fix: inTransaction
        ? `A pgcache process holds a transaction open, blocking vacuum and locks: stop it, or end the session with \`SELECT pg_terminate_backend(${s.pid})\`.`
        : 'A pgcache process keeps a pool it does not use: make sure it closes its store, or end the session.',
    });
  }
  const opens = probe.openMs.map((ms) => formatDuration(ms)).join(', ');
  const facts = [
    `${plural(probe.cycles, 'open/close cycle')} (opens ${opens || 'none'})`,
    `handles ${probe.openBefore.length} → ${probe.openBefore.length + probe.leakedHandles.length}`,
    probe.leakedResources.length === 0 ? 'no resource left active' : 'resources left active',
    growth === null
      ? 'memory not compared'
      : `memory ${growth >= 0 ? '+' : '−'}${formatBytes(Math.abs(growth))}`,
    ...(idle === undefined ? [] : [`${plural(idle.length, 'idle pgcache session')} on the server`]),
  ].join('; ');
  return judge(facts, findings, {
    cycles: probe.cycles,
    openMs: probe.openMs,
    leakedHandles: probe.leakedHandles.map(({ kind, location, openedAt }) => ({
      kind,
      location,
      openedAt,
    })),
    leakedResources: probe.leakedResources,
    memoryGrowthBytes: growth,
    ...(idle === undefined ? {} : { idleSessions: idle }),
  });
}

function describeHandles(ctx: DoctorContext, handles: readonly OpenHandle[]): string {
  return handles
    .map(
      (h) =>
        `${h.kind} ${h.location} (opened ${formatDuration(Math.max(0, ctx.now() - h.openedAt))} ago)`,
    )
    .join(', ');
}
