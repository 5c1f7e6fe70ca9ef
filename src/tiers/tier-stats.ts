import { readCounters } from '../store/meta.js';
import type { CallOptions } from '../store/store-options.js';
import type { Store } from '../store/store.js';
import { readOutboxFigures, type OutboxFigures } from './outbox.js';
import { counterName, LATENCY_BUCKETS_MS, type Tier } from './tier-metrics.js';

/** Latency of one tier's lookups, in ms; percentiles are bucket upper bounds (≤). */
export interface TierLatency {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  /**
   * Lookups at or under each bound of `LATENCY_BUCKETS_MS`, cumulative (a Prometheus histogram's
   * `le` buckets; `+Inf` is `count`).
   */
  readonly cumulative: readonly number[];
}

/** Lookups timed apart because the store was cold (its first after being opened). */
export interface ColdLatency {
  readonly count: number;
  /** Mean, in ms (0 when none). */
  readonly mean: number;
}

/** Hits, misses and latency of one tier. */
export interface TierFigures {
  readonly hits: number;
  readonly misses: number;
  /**
   * Latency of the timed lookups of a warm store: L1 times 1 lookup in 16, L2 and L3 every one;
   * a cache's first L1 lookup and a store's first L2 lookup after it was opened are in
   * `coldLatencyMs`.
   */
  readonly latencyMs: TierLatency;
  readonly coldLatencyMs: ColdLatency;
}

/** The tiers' figures for `stats` (every process's, as persisted by the store's counters). */
export interface TierStats {
  readonly tiers: Readonly<Record<Tier, TierFigures>>;
  readonly origin: OriginFigures;
  readonly outbox: OutboxFigures;
}

/** What happened at the origin and because of it. */
export interface OriginFigures {
  /** Requests sent (reads, writes and outbox sends). */
  readonly requests: number;
  /** Requests that failed (network, timeout, status, bad body). */
  readonly failures: number;
  /** Calls refused without a request because the origin's breaker was open. */
  readonly rejected: number;
  /** Expired entries served within the grace period (origin failing, open or slow). */
  readonly staleServed: number;
  /** Gets that waited for another get's origin request instead of making their own. */
  readonly singleFlightJoins: number;
  /** Origin requests left running after a stale copy was served at the soft timeout. */
  readonly backgroundRefreshes: number;
}

/** Read the tiers' persisted counters and the outbox figures from `store`. */
export async function readTierStats(store: Store, options: CallOptions = {}): Promise<TierStats> {
  // Like the store's own stats, these must answer while the store's breaker is open.
  const introspect = { ...options, bypassBreaker: true };
  const counters = await store.execute('read', 'stats.tiers', readCounters, introspect);
  const outbox = await store.execute('read', 'stats.outbox', readOutboxFigures, introspect);
  const n = (name: string): number => counters[name] ?? 0;
  const figures = (tier: Tier): TierFigures => ({
    hits: n(counterName.hits(tier)),
    misses: n(counterName.misses(tier)),
    latencyMs: latency(
      n(counterName.count(tier)),
      n(counterName.sumUs(tier)),
      Array.from({ length: LATENCY_BUCKETS_MS.length + 1 }, (_, b) =>
        n(counterName.bucket(tier, b)),
      ),
    ),
    coldLatencyMs: cold(n(counterName.coldCount(tier)), n(counterName.coldSumUs(tier))),
  });
  return {
    tiers: { l1: figures('l1'), l2: figures('l2'), l3: figures('l3') },
    origin: {
      requests: n(counterName.event('origin.requests')),
      failures: n(counterName.event('origin.failures')),
      rejected: n(counterName.event('origin.rejected')),
      staleServed: n(counterName.event('stale.served')),
      singleFlightJoins: n(counterName.event('singleflight.joins')),
      backgroundRefreshes: n(counterName.event('refresh.background')),
    },
    outbox,
  };
}

function cold(count: number, sumUs: number): ColdLatency {
  return { count, mean: count === 0 ? 0 : sumUs / 1000 / count };
}

function latency(count: number, sumUs: number, buckets: readonly number[]): TierLatency {
  let seen = 0;
  const cumulative = buckets.slice(0, LATENCY_BUCKETS_MS.length).map((n) => (seen += n));
  if (count === 0) return { count: 0, mean: 0, p50: 0, p95: 0, p99: 0, cumulative };
  // The bound of the first bucket that holds the quantile (Infinity: above the last bound).
  const at = (q: number): number =>
    LATENCY_BUCKETS_MS[cumulative.findIndex((c) => c >= q * count)] ?? Number.POSITIVE_INFINITY;
  return {
    count,
    mean: sumUs / 1000 / count,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    cumulative,
  };
}
