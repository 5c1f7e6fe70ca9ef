import { formatBytes, formatDuration } from '../../config/units.js';
import { describeHolder } from '../../operations/live-figures.js';
import { OPERATION_GROUPS, type OperationGroup } from '../../operations/owner-figures.js';
import type { StatsReport } from '../../operations/stats-report.js';
import { TIERS, type Tier } from '../../tiers/tier-metrics.js';
import { renderPairs } from './table.js';

/** What `stats --watch` shows for one interval: rates over it, and gauges at its end. */
export interface WatchSample {
  /** When the interval ended (ms since the epoch). */
  readonly at: number;
  readonly seconds: number;
  /** The owner's store calls per second over the interval, by operation. */
  readonly callsPerSecond: Readonly<Record<OperationGroup, number>>;
  /** Hits over lookups in the interval (percent), null when a tier had none. */
  readonly hitPercent: Readonly<Record<Tier, number | null>>;
  readonly stats: StatsReport;
}

/**
 * The interval from `previous` to `current` (both `stats` reports of one owner). Without a
 * previous report the interval starts when the owner opened the store (its counts since then).
 */
export function watchSample(previous: StatsReport | undefined, current: StatsReport): WatchSample {
  const at = Date.parse(current.owner.startedAt) + current.owner.uptimeMs;
  const sameOwner = previous?.owner.pid === current.owner.pid;
  const from = sameOwner && previous !== undefined ? previous : undefined;
  const ms =
    from === undefined ? current.owner.uptimeMs : current.owner.uptimeMs - from.owner.uptimeMs;
  const seconds = Math.max(ms, 1) / 1000;
  const calls = Object.fromEntries(
    OPERATION_GROUPS.map((g) => {
      const n = current.operations.byName[g] - (from?.operations.byName[g] ?? 0);
      return [g, Math.max(0, n) / seconds];
    }),
  ) as Record<OperationGroup, number>;
  const hit = (t: Tier): number | null => {
    const now = current.tiers?.[t];
    if (now === undefined) return null;
    const before = previous?.tiers?.[t];
    // The first line is since the start, as vmstat's; after a sample without tier figures (the
    // session was held) there is no interval to show.
    if (previous !== undefined && before === undefined) return null;
    const hits = now.hits - (before?.hits ?? 0);
    const lookups = hits + now.misses - (before?.misses ?? 0);
    return lookups <= 0 ? null : (100 * hits) / lookups;
  };
  const hitPercent = { l1: hit('l1'), l2: hit('l2'), l3: hit('l3') };
  return { at, seconds, callsPerSecond: calls, hitPercent, stats: current };
}

const COLUMNS: readonly (readonly [string, number])[] = [
  ['time', 8],
  ...OPERATION_GROUPS.map((g): [string, number] => [`${g}/s`, 8]),
  ...TIERS.map((t): [string, number] => [`${t} hit%`, 7]),
  ['queue', 5],
  ['wait95', 8],
  ['breakers', 9],
  ['conns', 5],
  ['entries', 8],
  ['bytes', 10],
  ['rss', 10],
  ['holder', 0],
];

/** The header of the piped form: one line, columns as {@link watchLine} fills them. */
export function watchHeader(): string {
  return `${COLUMNS.map(([name, width]) => name.padStart(width)).join(' ')}\n`;
}

/** One interval as one line (the piped form, like `vmstat` or `redis-cli --stat`). */
export function watchLine(sample: WatchSample): string {
  const { stats } = sample;
  const cells = [
    new Date(sample.at).toISOString().slice(11, 19),
    ...OPERATION_GROUPS.map((g) => rate(sample.callsPerSecond[g])),
    ...TIERS.map((t) => percent(sample.hitPercent[t])),
    String(stats.queue.pending),
    `${stats.queue.waitMs.p95.toFixed(2)}ms`,
    breakers(stats),
    String(connectionCount(stats)),
    stats.entries === null ? '-' : String(stats.entries.total),
    stats.bytes.total === null ? '-' : formatBytes(stats.bytes.total),
    formatBytes(stats.owner.memory.rss),
    holderCell(stats),
  ];
  return `${cells.map((cell, i) => cell.padStart(COLUMNS[i]?.[1] ?? 0)).join(' ')}\n`;
}

/** One interval as a screen of labelled lines (the terminal form, redrawn in place). */
export function watchScreen(sample: WatchSample, intervalMs: number): string {
  const { stats } = sample;
  const { owner, queue, connections: c } = stats;
  const calls = OPERATION_GROUPS.map((g) => `${g} ${rate(sample.callsPerSecond[g])}`);
  const wire = c.wire === undefined ? '' : `; wire ${c.wire.current} connected`;
  return (
    `pgcache stats --watch: every ${formatDuration(intervalMs)}, ${new Date(sample.at).toISOString()} (Ctrl-C to quit)\n\n` +
    renderPairs([
      ['owner', `pid ${owner.pid} (${owner.name}), up ${formatDuration(owner.uptimeMs)}`],
      ['store calls/s', calls.join(', ')],
      ['hit ratio', TIERS.map((t) => `${t} ${percent(sample.hitPercent[t]).trim()}`).join(', ')],
      [
        'queue',
        `${queue.pending} waiting, ${queue.active} running; wait p95 ${queue.waitMs.p95.toFixed(2)}ms`,
      ],
      ['breakers', stats.breakers.map((b) => `${b.name} ${b.state}`).join(', ') || 'none'],
      ['connections', `open ${c.open}, active ${c.active}, idle ${c.idle}${wire}`],
      ['session', c.holder == null ? 'free' : `held by ${describeHolder(c.holder)}`],
      [
        'entries',
        stats.entries === null || stats.bytes.total === null
          ? 'unavailable while the session is held'
          : `${stats.entries.total} (${formatBytes(stats.bytes.total)} of ${formatBytes(stats.bytes.max)})`,
      ],
      ['rss', formatBytes(owner.memory.rss)],
    ])
  );
}

function rate(n: number): string {
  return n >= 100 ? String(Math.round(n)) : n.toFixed(1);
}

function percent(p: number | null): string {
  return p === null ? '-' : `${p.toFixed(1)}%`;
}

// `ok` when every breaker is closed, otherwise the ones that are not (`store:open`).
function breakers(stats: StatsReport): string {
  const tripped = stats.breakers.filter((b) => b.state !== 'closed');
  return tripped.length === 0 ? 'ok' : tripped.map((b) => `${b.name}:${b.state}`).join(',');
}

function connectionCount(stats: StatsReport): number {
  return stats.connections.wire?.current ?? stats.connections.open;
}

function holderCell(stats: StatsReport): string {
  const h = stats.connections.holder;
  if (h == null) return '-';
  return `client ${h.clientId} (${h.applicationName ?? '?'}) ${formatDuration(h.heldMs)}`;
}
