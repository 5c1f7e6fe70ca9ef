/** The cache tiers: L1 memory, L2 the store, L3 the origin. */
export const TIERS = ['l1', 'l2', 'l3'] as const;

/** One of {@link TIERS}. */
export type Tier = (typeof TIERS)[number];

/** Upper bounds (ms) of the latency buckets persisted per tier; a last bucket holds the rest. */
export const LATENCY_BUCKETS_MS = [
  0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000,
] as const;

/** Events counted besides per-tier hits and misses. */
export const TIER_EVENTS = [
  'stale.served',
  'singleflight.joins',
  'refresh.background',
  'origin.requests',
  'origin.failures',
  'origin.rejected',
] as const;

/** One of {@link TIER_EVENTS}. */
export type TierEvent = (typeof TIER_EVENTS)[number];

/** Name of a persisted counter in `pgcache_counters`. */
export const counterName = {
  hits: (tier: Tier): string => `tier.${tier}.hits`,
  misses: (tier: Tier): string => `tier.${tier}.misses`,
  count: (tier: Tier): string => `tier.${tier}.latency.count`,
  sumUs: (tier: Tier): string => `tier.${tier}.latency.sum_us`,
  bucket: (tier: Tier, index: number): string => `tier.${tier}.latency.b${index}`,
  /** Lookups made while the store was cold (the first of each opened store), kept apart. */
  coldCount: (tier: Tier): string => `tier.${tier}.cold.count`,
  coldSumUs: (tier: Tier): string => `tier.${tier}.cold.sum_us`,
  event: (event: TierEvent): string => `tier.${event}`,
};

const BUCKETS = LATENCY_BUCKETS_MS.length + 1;

/**
 * Counts of the tiers, kept in plain arrays on the hot path (an L1 hit must stay cheap) and
 * handed to the store's persisted counters by {@link drain}, so that `stats` in any process sees
 * the figures of every process.
 */
export class TierMetrics {
  readonly #hits = [0, 0, 0];
  readonly #misses = [0, 0, 0];
  readonly #sumUs = [0, 0, 0];
  readonly #buckets = TIERS.map(() => new Array<number>(BUCKETS).fill(0));
  readonly #coldCount = [0, 0, 0];
  readonly #coldSumUs = [0, 0, 0];
  readonly #events = new Map<TierEvent, number>();
  #dirty = false;

  /** True when something was recorded since the last drain. */
  get dirty(): boolean {
    return this.#dirty;
  }

  /**
   * Record one lookup in `tier`: hit or miss, and how long it took (when it was timed). A `cold`
   * lookup (the store's first after it was opened: plans, caches and compiled code not warm yet)
   * is timed apart, so that a short command's first read does not make the latency of every
   * lookup look ten times what a running store does.
   */
  lookup(tier: Tier, hit: boolean, ms: number | undefined, cold = false): void {
    const i = tier === 'l1' ? 0 : TIERS.indexOf(tier);
    if (hit) this.#hits[i] = (this.#hits[i] ?? 0) + 1;
    else this.#misses[i] = (this.#misses[i] ?? 0) + 1;
    this.#dirty = true;
    if (ms === undefined) return;
    const us = Math.max(0, Math.round(ms * 1000));
    if (cold) {
      this.#coldCount[i] = (this.#coldCount[i] ?? 0) + 1;
      this.#coldSumUs[i] = (this.#coldSumUs[i] ?? 0) + us;
      return;
    }
    this.#sumUs[i] = (this.#sumUs[i] ?? 0) + us;
    let b = 0;
    while (b < LATENCY_BUCKETS_MS.length && ms > (LATENCY_BUCKETS_MS[b] ?? 0)) b += 1;
    const buckets = this.#buckets[i] as number[];
    buckets[b] = (buckets[b] ?? 0) + 1;
  }

  /** Count one `event`. */
  count(event: TierEvent, n = 1): void {
    this.#events.set(event, (this.#events.get(event) ?? 0) + n);
    this.#dirty = true;
  }

  /** Hand every count recorded since the last drain to `add` (by counter name), and reset. */
  drain(add: (name: string, n: number) => void): void {
    if (!this.#dirty) return;
    for (const [i, tier] of TIERS.entries()) {
      const buckets = this.#buckets[i] as number[];
      const count = buckets.reduce((a, b) => a + b, 0);
      const pairs: [string, number][] = [
        [counterName.hits(tier), this.#hits[i] ?? 0],
        [counterName.misses(tier), this.#misses[i] ?? 0],
        [counterName.count(tier), count],
        [counterName.sumUs(tier), this.#sumUs[i] ?? 0],
        ...buckets.map((n, b): [string, number] => [counterName.bucket(tier, b), n]),
        [counterName.coldCount(tier), this.#coldCount[i] ?? 0],
        [counterName.coldSumUs(tier), this.#coldSumUs[i] ?? 0],
      ];
      for (const [name, n] of pairs) if (n > 0) add(name, n);
      this.#hits[i] = 0;
      this.#misses[i] = 0;
      this.#sumUs[i] = 0;
      this.#coldCount[i] = 0;
      this.#coldSumUs[i] = 0;
      buckets.fill(0);
    }
    for (const [event, n] of this.#events) if (n > 0) add(counterName.event(event), n);
    this.#events.clear();
    this.#dirty = false;
  }
}
