import { performance } from 'node:perf_hooks';
import type { Clock, Timer } from '../clock.js';
import { ConfigError } from '../errors/index.js';
import { Deadline } from '../resilience/deadline.js';
import type { Entry, EntryInput, WrittenEntry } from '../store/entry.js';
import { parseKey } from '../store/keys.js';
import type { CallOptions, SetOptions } from '../store/store-options.js';
import type { Store } from '../store/store.js';
import type { GuardedOrigin } from './guarded-origin.js';
import { MemoryTier, type MemoryLookup, type MemoryTierOptions } from './memory-tier.js';
import {
  OutboxFlusher,
  type OutboxFlushReport,
  type OutboxFlusherOptions,
} from './outbox-flusher.js';
import { readOutboxFigures, type OutboxFigures } from './outbox.js';
import { OriginLoader } from './origin-loader.js';
import { strategyNamed, type CacheStrategy, type WriteTiers } from './strategies/index.js';
import type { StrategyName } from './strategy-name.js';
import { TierMetrics, type Tier } from './tier-metrics.js';
import { readTierStats, type TierStats } from './tier-stats.js';
import { makeWriteTiers, transientEntry } from './write-tiers.js';

/** What callers tune in a {@link TieredCache}. */
export interface TieredCacheOptions {
  /** @default 'read-through' */
  readonly strategy?: StrategyName;
  /** How long an expired entry may be served while the origin fails, is open or slow. @default 0 */
  readonly graceMs?: number;
  /** With a stale copy at hand, wait this long for the origin, then serve it (0: no soft timeout). @default 1000 */
  readonly softTimeoutMs?: number;
  /** Budget of a call made without a deadline. @default 30000 */
  readonly timeoutMs?: number;
  /** Largest value one entry may hold (checked before anything is sent to the origin). @default 1048576 */
  readonly maxEntryBytes?: number;
  /** L1. @default the {@link MemoryTierOptions} defaults */
  readonly memory?: MemoryTierOptions;
  /** The write-behind flusher. @default the {@link OutboxFlusherOptions} defaults */
  readonly outbox?: OutboxFlusherOptions;
}

/** What a {@link TieredCache} is built from; it closes none of them. */
export interface TieredCacheDeps {
  /** L2. */
  readonly store: Store;
  readonly clock: Clock;
  /** Counts of this cache (shared with its origin). @default a new one */
  readonly metrics?: TierMetrics;
  /** L3 behind its breaker; without one, reads stop at L2 and origin strategies cannot write. */
  readonly origin?: GuardedOrigin | undefined;
  /** Problems that do not fail a call (a fill that could not be cached). */
  readonly onWarning?: ((message: string) => void) | undefined;
  /** Called once by `close()`, after the last origin request (to record the breaker). */
  readonly onClose?: (() => Promise<void>) | undefined;
}

/** Options of {@link TieredCache.get}. */
export interface TieredGetOptions extends CallOptions {
  /** Read this tier only: no other tier is asked and nothing is filled. */
  readonly tier?: Tier | undefined;
  /** TTL of an entry filled from the origin. @default the store's defaultTtlMs */
  readonly ttlMs?: number | undefined;
}

/** A value found by {@link TieredCache.get}, with the tier that answered. */
export interface TieredRead {
  readonly entry: Entry;
  readonly tier: Tier;
  /** True when the entry had expired and was served within the grace period. */
  readonly stale: boolean;
}

const METRICS_FLUSH_MS = 1000;

// Stores that have answered a lookup: the first one of each store is cold (plans, caches and
// compiled code are not warm yet; a short command's one read takes 10-60 ms, a running store's
// well under 1 ms), and is timed apart. Kept per store, not per cache: an owner's store stays
// warm across the tiered caches its control requests open.
const warmStores = new WeakSet<Store>();

/**
 * The tiered cache: L1 in memory, L2 the store, L3 an HTTP origin, with a strategy for reads and
 * writes. Concurrent misses of one key make one origin request (single-flight); while the origin
 * fails, is open or is slower than the soft timeout, an entry expired less than `graceMs` ago is
 * served, marked stale. Build one with `openTieredCache()`; `close()` it before the store.
 */
export class TieredCache {
  readonly strategy: CacheStrategy;
  readonly #options: Required<Omit<TieredCacheOptions, 'strategy' | 'memory' | 'outbox'>>;
  readonly #deps: TieredCacheDeps;
  readonly #memory: MemoryTier;
  readonly #loader: OriginLoader | undefined;
  readonly #metrics: TierMetrics;
  readonly #flusher: OutboxFlusher | undefined;
  readonly #writeTiers: WriteTiers;
  #metricsTimer: Timer | undefined;
  #l1Lookups = 0;
  // The cache's first timed L1 lookup runs cold (code not compiled yet) and is timed apart.
  #l1Cold = true;
  #closing: Promise<void> | undefined;

  constructor(options: TieredCacheOptions, deps: TieredCacheDeps) {
    this.strategy = strategyNamed(options.strategy ?? 'read-through');
    this.#options = {
      graceMs: options.graceMs ?? 0,
      softTimeoutMs: options.softTimeoutMs ?? 1000,
      timeoutMs: options.timeoutMs ?? 30_000,
      maxEntryBytes: options.maxEntryBytes ?? 1024 * 1024,
    };
    this.#deps = deps;
    this.#metrics = deps.metrics ?? new TierMetrics();
    this.#memory = new MemoryTier(options.memory ?? {}, { clock: deps.clock });
    const origin = deps.origin;
    this.#loader =
      origin === undefined
        ? undefined
        : new OriginLoader({
            origin,
            store: deps.store,
            memory: this.#memory,
            metrics: this.#metrics,
            clock: deps.clock,
            softTimeoutMs: this.#options.softTimeoutMs,
            graceMs: this.#options.graceMs,
            onWarning: deps.onWarning,
          });
    this.#flusher =
      origin === undefined
        ? undefined
        : new OutboxFlusher(options.outbox ?? {}, {
            store: deps.store,
            clock: deps.clock,
            send: (key, body, deadline) => origin.put(key, body, deadline),
            onWarning: deps.onWarning,
          });
    this.#writeTiers = makeWriteTiers({
      store: deps.store,
      memory: this.#memory,
      clock: deps.clock,
      maxEntryBytes: this.#options.maxEntryBytes,
      origin: () => this.#requireOrigin(),
      deadline: () => this.#deadline(),
      onWarning: deps.onWarning,
    });
  }

  /** The memory tier (L1), for figures. */
  get memory(): MemoryTier {
    return this.#memory;
  }

  /** The origin's breaker, when there is an origin. */
  get originBreaker(): GuardedOrigin['breaker'] | undefined {
    return this.#deps.origin?.breaker;
  }

  /** Read `key` through the tiers (or from `options.tier` only); `undefined` when no tier has it. */
  get(key: string, options?: TieredGetOptions): Promise<TieredRead | undefined> {
    if (options?.tier !== undefined) return this.#getFrom(options.tier, key, options.deadline);
    // Only checked keys enter L1, so a hit needs no check (it costs more than the hit itself).
    // Its latency is sampled (1 lookup in 16, the first included): reading the clock twice costs
    // a third of a hit.
    const timed = this.#l1Lookups === 0;
    this.#l1Lookups = (this.#l1Lookups + 1) & 15;
    const started = timed ? performance.now() : 0;
    const l1 = this.#memory.get(key, this.#options.graceMs);
    const l1Ms = timed ? performance.now() - started : undefined;
    if (l1?.state === 'live') {
      this.#recordL1(true, l1Ms);
      return l1.answer;
    }
    return this.#getThrough(key, l1, l1Ms, options);
  }

  /** The rest of {@link get} after L1 had no live entry: the store, then the origin. */
  async #getThrough(
    key: string,
    l1: MemoryLookup | undefined,
    l1Ms: number | undefined,
    options: TieredGetOptions | undefined,
  ): Promise<TieredRead | undefined> {
    // The key is checked by store.get, before any tier is asked.
    const deadline = options?.deadline ?? this.#deadline();
    let fallback: TieredRead | undefined;
    if (l1 !== undefined) fallback = { entry: l1.entry, tier: 'l1', stale: true };
    const l2 = await this.#lookupStore(key, deadline, this.#options.graceMs);
    // The L1 miss counts once the read got an answer: a read that fails counts in no tier.
    this.#recordL1(false, l1Ms);
    if (l2 !== undefined && this.#isLive(l2)) {
      this.#memory.set(l2);
      return { entry: l2, tier: 'l2', stale: false };
    }
    if (l2 !== undefined) fallback = { entry: l2, tier: 'l2', stale: true };
    if (!this.strategy.readsOrigin || this.#loader === undefined) return undefined;
    const read = await this.#loader.load(key, fallback, options?.ttlMs, deadline);
    this.#noteMetrics();
    return read;
  }

  /** Write `value` under `key` as the strategy says. */
  set(key: string, value: unknown, options: SetOptions = {}): Promise<WrittenEntry> {
    return this.strategy.write(this.#writeTiers, key, value, options);
  }

  /** Write a batch as the strategy says, all or none. */
  setMany(
    items: readonly EntryInput[],
    options: Omit<SetOptions, 'ttlMs'> = {},
  ): Promise<{ written: number; bytes: number }> {
    return this.strategy.writeMany(this.#writeTiers, items, options);
  }

  /** Drop `keys` from L1 and L2 (the origin is not told: deleting is invalidating the cache). */
  delete(keys: readonly string[], options: CallOptions = {}): Promise<number> {
    for (const key of keys) this.#memory.delete(key);
    return this.#deps.store.delete(keys, options);
  }

  /** Send the write-behind outbox to the origin (see {@link OutboxFlusher}). */
  flushOutbox(options: CallOptions = {}): Promise<OutboxFlushReport> {
    if (this.#flusher === undefined) {
      return Promise.reject(
        new ConfigError('the outbox cannot be sent: no origin is configured', {
          hint: 'Set --origin, PGCACHE_ORIGIN or origin.url in pgcache.config.json.',
        }),
      );
    }
    return this.#flusher.flush(options.deadline ?? this.#deadline());
  }

  /** Depth, oldest write and retries of the write-behind outbox. */
  outboxFigures(options: CallOptions = {}): Promise<OutboxFigures> {
    return this.#deps.store.execute('read', 'outbox.figures', readOutboxFigures, {
      ...options,
      bypassBreaker: true,
    });
  }

  /** Flush the outbox every `intervalMs` in the background until `close()` (for `serve`). */
  startOutboxFlusher(intervalMs = 1000): void {
    this.#flusher?.start(intervalMs);
  }

  /**
   * Stop the background flusher (the flush running ends after its current send), then send what
   * is due once more within the deadline: what `serve` does on shutdown. What is not sent stays
   * in the outbox for the next flush. Undefined when there is no origin.
   */
  async drainOutbox(options: CallOptions = {}): Promise<OutboxFlushReport | undefined> {
    if (this.#flusher === undefined) return undefined;
    await this.#flusher.stop();
    return this.#flusher.flush(options.deadline ?? this.#deadline());
  }

  /** The tiers' figures of every process (this one's counts are written first). */
  async stats(options: CallOptions = {}): Promise<TierStats> {
    this.#drainMetrics();
    // Best effort, as in Store.stats: with the store's breaker open the write fails, and the
    // figures must still answer (serve's /v1/stats is how `stats` reads them through serve).
    await this.#deps.store.flush(options).catch(() => undefined);
    return readTierStats(this.#deps.store, options);
  }

  /**
   * Stop the background flusher, wait for origin requests still running (background refreshes
   * included; each is bounded by its timeout) and hand the counts to the store. Close the store
   * after this. Idempotent.
   */
  close(): Promise<void> {
    const cancelMetricsTimer = (): void => {
      this.#metricsTimer?.cancel();
      this.#metricsTimer = undefined;
    };
    this.#closing ??= (async () => {
      cancelMetricsTimer();
      await this.#flusher?.stop();
      await this.#loader?.settled();
      // A get during those waits may have armed the timer again.
      cancelMetricsTimer();
      this.#drainMetrics();
      await this.#deps.onClose?.();
    })();
    return this.#closing;
  }

  async #getFrom(
    tier: Tier,
    key: string,
    deadline = this.#deadline(),
  ): Promise<TieredRead | undefined> {
    parseKey(key);
    switch (tier) {
      case 'l1': {
        const started = performance.now();
        const found = this.#memory.get(key, this.#options.graceMs);
        const live = found?.state === 'live';
        this.#recordL1(live, performance.now() - started);
        return live ? { entry: found.entry, tier, stale: false } : undefined;
      }
      case 'l2': {
        const entry = await this.#lookupStore(key, deadline, 0);
        return entry === undefined ? undefined : { entry, tier, stale: false };
      }
      case 'l3': {
        const reply = await this.#requireOrigin().get(key, deadline);
        this.#noteMetrics();
        if (!reply.found) return undefined;
        return {
          entry: transientEntry(key, reply.value, new Date(this.#deps.clock.now())),
          tier,
          stale: false,
        };
      }
    }
  }

  #recordL1(hit: boolean, ms: number | undefined): void {
    if (!this.#memory.enabled) return;
    const cold = ms !== undefined && this.#l1Cold;
    if (cold) this.#l1Cold = false;
    this.#metrics.lookup('l1', hit, ms, cold);
    this.#noteMetrics();
  }

  async #lookupStore(key: string, deadline: Deadline, graceMs: number): Promise<Entry | undefined> {
    const { store } = this.#deps;
    const cold = !warmStores.has(store);
    const started = performance.now();
    const entry = await store.get(key, { deadline, graceMs });
    const live = entry !== undefined && this.#isLive(entry);
    warmStores.add(store);
    this.#metrics.lookup('l2', live, performance.now() - started, cold);
    this.#noteMetrics();
    return entry;
  }

  #isLive(entry: Entry): boolean {
    return entry.expiresAt === null || entry.expiresAt.getTime() > this.#deps.clock.now();
  }

  #requireOrigin(): GuardedOrigin {
    const origin = this.#deps.origin;
    if (origin !== undefined) return origin;
    throw new ConfigError('no origin is configured', {
      hint: 'Set --origin, PGCACHE_ORIGIN or origin.url, e.g. https://host/{framework}/{name}.json.',
    });
  }

  #deadline(): Deadline {
    return Deadline.after(this.#deps.clock, this.#options.timeoutMs);
  }

  // Counts reach the store's counters within a second, or on stats() and close().
  #noteMetrics(): void {
    if (this.#metricsTimer !== undefined || !this.#metrics.dirty) return;
    this.#metricsTimer = this.#deps.clock.setTimer(
      METRICS_FLUSH_MS,
      () => {
        this.#metricsTimer = undefined;
        this.#drainMetrics();
      },
      { background: true },
    );
  }

  #drainMetrics(): void {
    if (this.#deps.store.closed) return;
    this.#metrics.drain((name, n) => this.#deps.store.addToCounter(name, n));
  }
}
