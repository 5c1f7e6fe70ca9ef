import { formatBytes, formatDuration, formatRelative } from '../../config/units.js';
import type { BreakerSnapshot } from '../../resilience/circuit-breaker.js';
import type { StoreStats } from '../../store/stats.js';
import { renderPairs, renderTable } from './table.js';
import type { TerminalFeatures } from '../terminal.js';

/** The `stats --json` document body (without schemaVersion). */
export function statsJson(stats: StoreStats): Record<string, unknown> {
  return { ...stats };
}

/** `stats` as text: tables on a terminal, `key: value` lines when piped. */
export function renderStats(stats: StoreStats, term: TerminalFeatures, now: number): string {
  const kinds = ['component', 'block', 'generic'] as const;
  const pairs: [string, string][] = [
    [
      'backend',
      `${stats.backend.engine} ${stats.backend.location}${stats.backend.via === undefined ? '' : ` (via ${stats.backend.via})`}`,
    ],
    ['entries', String(stats.entries.total)],
    ...kinds.map((k): [string, string] => [`entries.${k}`, String(stats.entries.byKind[k])]),
    ['bytes', `${stats.bytes.total} (${formatBytes(stats.bytes.total)})`],
    ...kinds.map((k): [string, string] => [`bytes.${k}`, String(stats.bytes.byKind[k])]),
    ['max size', `${formatBytes(stats.bytes.max)} (${stats.bytes.usedPercent}% used)`],
    ['on disk', formatBytes(stats.bytes.onDisk)],
    ['wal', stats.bytes.wal === null ? 'n/a (server)' : formatBytes(stats.bytes.wal)],
    ['expired, not purged', `${stats.expired} (${formatBytes(stats.expiredBytes)})`],
    ['hits', String(stats.hits)],
    ['misses', String(stats.misses)],
    [
      'connections',
      `open ${stats.connections.open}, active ${stats.connections.active}, idle ${stats.connections.idle}, waiting ${stats.connections.waiting} (handles in this process: ${stats.connections.handles})`,
    ],
    ...connectionDetails(stats, now),
    [
      'schema',
      `version ${stats.schema.version} of ${stats.schema.latest}, ${stats.schema.pending} pending`,
    ],
    [
      'last maintenance',
      stats.lastMaintenance === null
        ? 'never'
        : `${formatRelative(stats.lastMaintenance.at, now)} (${stats.lastMaintenance.at})`,
    ],
    ['queue', queueLine(stats)],
    ...stats.breakers.map((b): [string, string] => [`breaker ${b.name}`, breakerLine(b, now)]),
    ['retries', `${stats.retries.retried} retried, ${stats.retries.exhausted} gave up`],
    ...(stats.instance === undefined
      ? []
      : [
          [
            'instance',
            `${stats.instance.restarts} restarts (${stats.instance.crashes} crashed, ${stats.instance.hangs} hung), ${stats.instance.failedInFlight} calls failed in flight`,
          ] as [string, string],
        ]),
    [
      'last stress run',
      stats.lastStress === null
        ? 'never'
        : `${String(stats.lastStress['verdict'] ?? '?')} ${formatRelative(stats.lastStress.at, now)}`,
    ],
  ];
  if (!term.interactive) return renderPairs(pairs);
  const byKind = renderTable(
    ['kind', 'entries', 'bytes'],
    [
      ...kinds.map((k) => [k, String(stats.entries.byKind[k]), formatBytes(stats.bytes.byKind[k])]),
      ['total', String(stats.entries.total), formatBytes(stats.bytes.total)],
    ],
    term,
  );
  const rest = pairs.filter(([k]) => !k.startsWith('entries') && !k.startsWith('bytes'));
  return `${byKind}${renderPairs(rest)}`;
}

function connectionDetails(stats: StoreStats, now: number): [string, string][] {
  const { wire, sessions } = stats.connections;
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
  return lines;
}

function queueLine(stats: StoreStats): string {
  const q = stats.queue;
  const ms = (n: number): string => `${n.toFixed(2)}ms`;
  return (
    `pending ${q.pending}, active ${q.active}, completed ${q.completed}, failed ${q.failed}, rejected ${q.rejected}; ` +
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
