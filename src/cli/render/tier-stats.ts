import { formatBytes, formatRelative } from '../../config/units.js';
import type { NamespaceReport } from '../../namespaces/namespace-report.js';
import type { TierLatency, TierStats } from '../../tiers/tier-stats.js';
import { renderPairs } from './table.js';

const TIER_NAMES = { l1: 'memory', l2: 'store', l3: 'origin' } as const;

/** The tiers, the origin, the outbox and namespaces as `key: value` lines for `stats`. */
export function renderTierStats(
  stats: TierStats,
  namespaces: readonly NamespaceReport[],
  now: number,
  minWidth: number,
): string {
  const o = stats.origin;
  const box = stats.outbox;
  const pairs: [string, string][] = [
    ...(['l1', 'l2', 'l3'] as const).map((tier): [string, string] => {
      const t = stats.tiers[tier];
      return [
        `tier ${tier} (${TIER_NAMES[tier]})`,
        `hits ${t.hits}, misses ${t.misses}; ${latencyLine(t.latencyMs)}`,
      ];
    }),
    [
      'origin',
      `${o.requests} requests, ${o.failures} failed, ${o.rejected} refused by its breaker; ` +
        `${o.staleServed} stale serves, ${o.singleFlightJoins} single-flight joins, ${o.backgroundRefreshes} background refreshes`,
    ],
    [
      'outbox',
      box.depth === 0
        ? 'empty'
        : `${box.depth} waiting (${box.keys} keys), oldest ${formatRelative(box.oldestAt, now)}, ${box.retrying} retrying` +
          (box.lastError === null ? '' : `; last error: ${box.lastError}`),
    ],
    ...namespaces.map((n): [string, string] => [`namespace ${n.namespace}`, namespaceLine(n)]),
  ];
  return renderPairs(pairs, minWidth);
}

function latencyLine(l: TierLatency): string {
  if (l.count === 0) return 'no lookups';
  const ms = (n: number): string => (Number.isFinite(n) ? `≤${n}ms` : '>5s');
  return `latency mean ${l.mean.toFixed(3)}ms, p50 ${ms(l.p50)}, p95 ${ms(l.p95)}, p99 ${ms(l.p99)}`;
}

function namespaceLine(n: NamespaceReport): string {
  const quota: string[] = [];
  const p = n.policy;
  if (p?.maxEntries !== undefined) quota.push(`${p.maxEntries} entries (${n.used.entries}% used)`);
  if (p?.maxBytes !== undefined) quota.push(`${formatBytes(p.maxBytes)} (${n.used.bytes}% used)`);
  const rate = p?.ratePerSec === undefined ? '' : `; rate ${p.ratePerSec}/s`;
  return (
    `${n.entries} entries, ${formatBytes(n.bytes)}; ` +
    (quota.length === 0 ? 'no quota' : `quota ${quota.join(', ')}`) +
    rate
  );
}
