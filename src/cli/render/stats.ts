import { formatBytes, formatDuration, formatRelative } from '../../config/units.js';
import { describeHolder } from '../../operations/live-figures.js';
import { OPERATION_GROUPS } from '../../operations/owner-figures.js';
import type { StatsReport } from '../../operations/stats-report.js';
import type { BreakerSnapshot } from '../../resilience/circuit-breaker.js';
import { renderPairs, renderTable } from './table.js';
import { renderTierStats } from './tier-stats.js';
import type { TerminalFeatures } from '../terminal.js';

const KINDS = ['component', 'block', 'generic'] as const;

/**
 * `stats` as text: tables on a terminal, `key: value` lines when piped. Figures that need the
 * database read `unavailable` while a wire client holds the session, naming it.
 */
export function renderStats(stats: StatsReport, term: TerminalFeatures, now: number): string {
  const missing =
    stats.unavailable === undefined ? 'n/a' : `unavailable (${stats.unavailable.reason})`;
  const pairs: [string, string][] = [
    [
      'backend',
      `${stats.backend.engine} ${stats.backend.location}${stats.backend.via === undefined ? '' : ` (via ${stats.backend.via})`}`,
    ],
    ...ownerLines(stats),
    ...sizeLines(stats, missing),
    ['max size', `${formatBytes(stats.bytes.max)} (${stats.bytes.usedPercent ?? '?'}% used)`],
    ['on disk', formatBytes(stats.bytes.onDisk)],
    ['wal', stats.bytes.wal === null ? 'n/a (server)' : formatBytes(stats.bytes.wal)],
    [
      'expired, not purged',
      stats.expired === null
        ? missing
        : `${stats.expired} (${formatBytes(stats.expiredBytes ?? 0)})`,
    ],
    [
      'removed',
      stats.removed === null
        ? missing
        : `${stats.removed.expired} expired, ${stats.removed.evicted} evicted (since the store was created)`,
    ],
    [
      'store reads',
      stats.hits === null || stats.misses === null
        ? missing
        : `${stats.hits} hits, ${stats.misses} misses (L2 lookups; every tier below)`,
    ],
    [
      'connections',
      `open ${stats.connections.open}, active ${stats.connections.active}, idle ${stats.connections.idle}, waiting ${stats.connections.waiting} (handles in ${stats.backend.via === undefined ? 'this process' : 'its process'}: ${stats.connections.handles})`,
    ],
    ...connectionDetails(stats, now),
    [
      'schema',
      stats.schema === null
        ? missing
        : `version ${stats.schema.version} of ${stats.schema.latest}, ${stats.schema.pending} pending`,
    ],
    ['last maintenance', lastRun(stats, missing, now)],
    ['queue', queueLine(stats)],
    ...stats.breakers.map((b): [string, string] => [`breaker ${b.name}`, breakerLine(b, now)]),
    ['retries', `${stats.retries.retried} retried, ${stats.retries.exhausted} gave up`],
    ...(stats.instance === undefined
      ? []
      : [
          [
            'instance',
            `PGlite in ${stats.instance.thread ? 'a thread of its own' : "the owner's thread"}; ${stats.instance.restarts} restarts (${stats.instance.crashes} crashed, ${stats.instance.hangs} hung), ${stats.instance.failedInFlight} calls failed in flight`,
          ] as [string, string],
        ]),
    [
      'last stress run',
      stats.lastStress === null
        ? stats.unavailable === undefined
          ? 'never'
          : missing
        : `${String(stats.lastStress['verdict'] ?? '?')} ${formatRelative(stats.lastStress.at, now)}`,
    ],
  ];
  return `${storeFigures(stats, pairs, term)}${tierFigures(stats, missing, now)}`;
}

// On a terminal the sizes by kind are a table; piped, every figure is a `key: value` line.
function storeFigures(
  stats: StatsReport,
  pairs: readonly [string, string][],
  term: TerminalFeatures,
): string {
  const { entries, bytes } = stats;
  if (!term.interactive || entries === null || bytes.byKind === null || bytes.total === null) {
    return renderPairs(pairs);
  }
  const byKind = bytes.byKind;
  const table = renderTable(
    ['kind', 'entries', 'bytes'],
    [
      ...KINDS.map((k) => [k, String(entries.byKind[k]), formatBytes(byKind[k])]),
      ['total', String(entries.total), formatBytes(bytes.total)],
    ],
    term,
  );
  const rest = pairs.filter(([k]) => !k.startsWith('entries') && !k.startsWith('bytes'));
  return `${table}${renderPairs(rest)}`;
}

// Who owns the store, since when, its memory, and its store calls (redis INFO's first sections).
function ownerLines({ owner: o, operations: ops }: StatsReport): [string, string][] {
  const m = o.memory;
  const counts = OPERATION_GROUPS.map((g) => `${g} ${ops.byName[g]}`).join(', ');
  return [
    [
      'owner',
      `pid ${o.pid} (${o.name}), up ${formatDuration(o.uptimeMs)}; pgcache ${o.version}, Node ${o.node}, ${o.platform}`,
    ],
    [
      'memory',
      `rss ${formatBytes(m.rss)}, heap ${formatBytes(m.heapUsed)} of ${formatBytes(m.heapTotal)}, external ${formatBytes(m.external)}`,
    ],
    ['operations', `${ops.total} store calls since open (${ops.perSecond}/s): ${counts}`],
  ];
}

function sizeLines(stats: StatsReport, missing: string): [string, string][] {
  const { entries, bytes } = stats;
  if (entries === null || bytes.byKind === null || bytes.total === null) {
    return [
      ['entries', missing],
      ['bytes', missing],
    ];
  }
  const byKind = bytes.byKind;
  return [
    ['entries', String(entries.total)],
    ...KINDS.map((k): [string, string] => [`entries.${k}`, String(entries.byKind[k])]),
    ['bytes', `${bytes.total} (${formatBytes(bytes.total)})`],
    ...KINDS.map((k): [string, string] => [`bytes.${k}`, String(byKind[k])]),
  ];
}

function tierFigures(stats: StatsReport, missing: string, now: number): string {
  const width = 'expired, not purged'.length;
  const { tiers, origin, outbox, namespaces } = stats;
  if (tiers === null || origin === null || outbox === null || namespaces === null) {
    return renderPairs([['tiers', missing]], width);
  }
  return renderTierStats({ tiers, origin, outbox }, namespaces, now, width);
}

function lastRun(stats: StatsReport, missing: string, now: number): string {
  const last = stats.lastMaintenance;
  if (last !== null) return `${formatRelative(last.at, now)} (${last.at})`;
  return stats.unavailable === undefined ? 'never' : missing;
}

function connectionDetails(stats: StatsReport, now: number): [string, string][] {
  const { wire, sessions, holder, control } = stats.connections;
  const lines: [string, string][] = [];
  if (sessions !== undefined) {
    const states = Object.entries(sessions.byState).map(([state, n]) => `${state} ${n}`);
    lines.push([
      'server sessions',
      `${sessions.total} (${states.join(', ') || 'none'}; application_name ${sessions.applicationName})`,
    ]);
  }
  if (wire !== undefined) {
    lines.push([
      'wire clients',
      `${wire.current} connected (peak ${wire.peak}, max ${wire.max}); ${wire.accepted} accepted, ${wire.refused} refused, ${wire.waiting} messages waiting`,
    ]);
    for (const c of wire.clients) {
      const who = `${c.applicationName ?? '-'} ${c.user ?? '?'}@${c.address}`;
      const state =
        c.state === 'holding' ? 'in a transaction, ' : c.state === 'idle' ? '' : `${c.state}, `;
      lines.push([
        `  client ${c.id}`,
        `${who}, ${state}idle for ${formatDuration(c.idleMs)}, ${c.messages} messages, connected ${formatRelative(c.connectedAt, now)}`,
      ]);
    }
  }
  if (holder !== undefined) {
    lines.push(['session', holder === null ? 'free' : `held by ${describeHolder(holder)}`]);
  }
  if (control !== undefined && control.current > 0) {
    const requests = control.clients.map(
      (c) =>
        `${c.self === true ? 'this command' : `pid ${c.pid} (${c.name})`} ${c.operation}${c.self === true ? '' : ` for ${formatDuration(c.runningMs)}`}`,
    );
    lines.push(['control socket', `${control.current} in flight: ${requests.join('; ')}`]);
  }
  return lines;
}

function queueLine(stats: StatsReport): string {
  const q = stats.queue;
  const ms = (n: number): string => `${n.toFixed(2)}ms`;
  return (
    `pending ${q.pending} (peak ${q.peakPending}, head waiting ${ms(q.headWaitMs)}), active ${q.active}, completed ${q.completed}, failed ${q.failed}, rejected ${q.rejected}; ` +
    `wait mean ${ms(q.waitMs.mean)} p95 ${ms(q.waitMs.p95)}; exec mean ${ms(q.execMs.mean)} p95 ${ms(q.execMs.p95)}`
  );
}

function breakerLine(b: BreakerSnapshot, now: number): string {
  switch (b.state) {
    case 'closed':
      return `closed (${b.failures} consecutive failures)`;
    case 'open':
      return `OPEN since ${b.openedAt ?? '?'}; tries again ${formatRelative(b.halfOpenAt, now)}`;
    case 'half-open':
      return `half-open (trial call running; opened ${formatRelative(b.openedAt, now)})`;
  }
}
