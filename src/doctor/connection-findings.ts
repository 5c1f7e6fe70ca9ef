import { formatBytes, formatDuration } from '../config/units.js';
import type { IdleServerSession, WireClientStats, WireStats } from '../db/database.js';
import type { OpenHandle } from '../db/handle-registry.js';
import type { ControlClientStats } from '../operations/live-figures.js';
import { plural, type Finding } from './check.js';
import type { DoctorContext } from './doctor-context.js';
import type { ProbeReport } from './lifecycle-probe.js';

/** The owner's wire clients before and after the probe. */
export interface WireSnapshots {
  readonly before: WireStats;
  readonly after: WireStats;
}

const CLOSE_EVERYTHING =
  'Something in this process opens a store or database and never closes it: close every openStore() result (`await store.close()` in a finally).';

/** What the lifecycle probe found wrong in this process: handles, resources, memory. */
export function probeFindings(ctx: DoctorContext, probe: ProbeReport): Finding[] {
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
  if (growth !== null && growth > ctx.thresholds.memoryGrowthBytes) {
    findings.push({
      status: 'warn',
      detail: `memory grew by at least ${formatBytes(growth)} at every open/close cycle`,
      fix: 'Something keeps closed stores reachable; take a heap snapshot (`node --heapsnapshot-signal`) to see what holds them.',
    });
  }
  return findings;
}

/** The probe's figures: `3 open/close cycles (opens 1s, …); handles 0 → 0; …`. */
export function probeFacts(probe: ProbeReport, cycle: string, opens: string): string[] {
  const growth = probe.memoryGrowthBytes;
  return [
    `${plural(probe.cycles, cycle)} (${opens} ${probe.openMs.map((ms) => formatDuration(ms)).join(', ') || 'none'})`,
    `handles ${probe.openBefore.length} → ${probe.openBefore.length + probe.leakedHandles.length}`,
    probe.leakedResources.length === 0 ? 'no resource left active' : 'resources left active',
    growth === null
      ? 'memory not compared'
      : `memory ${growth >= 0 ? '+' : '−'}${formatBytes(Math.abs(growth))}`,
  ];
}

/** The probe's figures for `--json`. */
export function probeData(probe: ProbeReport): Record<string, unknown> {
  return {
    cycles: probe.cycles,
    openMs: probe.openMs,
    leakedHandles: probe.leakedHandles.map(({ kind, location, openedAt }) => ({
      kind,
      location,
      openedAt,
    })),
    leakedResources: probe.leakedResources,
    memoryGrowthBytes: probe.memoryGrowthBytes,
  };
}

/** This tool's server sessions idle in a transaction (fail) or idle (warn) past the thresholds. */
export function idleSessionFindings(
  ctx: DoctorContext,
  sessions: readonly IdleServerSession[],
): Finding[] {
  const t = ctx.thresholds;
  return sessions.flatMap((s): Finding[] => {
    const inTransaction = s.state.startsWith('idle in transaction');
    if (s.idleMs < (inTransaction ? t.idleInTransactionMs : t.idleSessionMs)) return [];
    return [
      {
        status: inTransaction ? 'fail' : 'warn',
        detail: `server session pid ${s.pid} has been ${s.state} for ${formatDuration(s.idleMs)} (last: ${s.query})`,
        fix: inTransaction
          ? `A pgcache process holds a transaction open, blocking vacuum and locks: stop it, or end the session with \`SELECT pg_terminate_backend(${s.pid})\`.`
          : 'A pgcache process keeps a pool it does not use: make sure it closes its store, or end the session.',
      },
    ];
  });
}

/**
 * `serve`'s wire clients idle inside a transaction (fail: everyone waits for them) or idle (warn)
 * past the thresholds; connections it refused.
 */
export function wireFindings(ctx: DoctorContext, wire: WireSnapshots): Finding[] {
  const t = ctx.thresholds;
  const findings = wire.before.clients.flatMap((c): Finding[] => {
    if (c.state === 'holding' && c.idleMs >= t.wireIdleInTransactionMs) {
      return [
        {
          status: 'fail',
          detail: `wire ${describeClient(c)} has been idle in a transaction for ${formatDuration(c.idleMs)}: every other client and the store wait for it`,
          fix: `Make that program (application_name ${c.applicationName ?? 'unset'}) end its transactions promptly; serve ends a client idle in a transaction after its --idle-transaction-timeout (serve.idleTransactionTimeoutMs).`,
        },
      ];
    }
    if (c.state === 'idle' && c.idleMs >= t.idleSessionMs) {
      return [
        {
          status: 'warn',
          detail: `wire ${describeClient(c)} has been idle for ${formatDuration(c.idleMs)}`,
          fix: 'A program keeps a connection to serve it does not use (each counts against serve.maxConnections): close it, or give its pool an idle timeout.',
        },
      ];
    }
    return [];
  });
  if (wire.before.refused > 0) {
    findings.push({
      status: 'warn',
      detail: `serve refused ${plural(wire.before.refused, 'connection')} (at most ${wire.before.max} at once; peak ${wire.before.peak})`,
      fix: 'Raise serve.maxConnections (--max-connections), or make its clients use smaller pools.',
    });
  }
  return findings;
}

/** The doctor's requests the owner still lists after they were answered (a bug of the owner). */
export function leftoverFindings(leftover: readonly ControlClientStats[]): Finding[] {
  if (leftover.length === 0) return [];
  return [
    {
      status: 'fail',
      detail: `the owner still lists ${plural(leftover.length, 'request')} of this doctor after they were answered`,
      fix: 'The owner does not notice finished requests: restart it, and report this as a bug.',
    },
  ];
}

/** `serve's wire clients 1 → 1 (peak 3 of 100): client 7 (psql, 127.0.0.1) idle 1.8s`. */
export function wireFacts(wire: WireSnapshots): string {
  const { before, after } = wire;
  const clients = before.clients.map(
    (c) =>
      `${describeClient(c)} ${c.state === 'holding' ? 'in a transaction, ' : ''}idle ${formatDuration(c.idleMs)}`,
  );
  return `serve's wire clients ${before.current} → ${after.current} (peak ${after.peak} of ${after.max})${clients.length === 0 ? '' : `: ${clients.join(', ')}`}`;
}

function describeClient(c: WireClientStats): string {
  return `client ${c.id} (${c.applicationName ?? c.user ?? 'no name'}, ${c.address})`;
}

function describeHandles(ctx: DoctorContext, handles: readonly OpenHandle[]): string {
  return handles
    .map(
      (h) =>
        `${h.kind} ${h.location} (opened ${formatDuration(Math.max(0, ctx.now() - h.openedAt))} ago)`,
    )
    .join(', ');
}
