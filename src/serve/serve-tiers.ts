import type { Clock } from '../clock.js';
import type { NamespacePolicies } from '../namespaces/namespace-policy.js';
import { NamespaceRateLimiter } from '../namespaces/rate-limiter.js';
import type { Deadline } from '../resilience/deadline.js';
import type { Store } from '../store/store.js';
import { openTieredCache, type OpenTieredCacheOptions } from '../tiers/open-tiered-cache.js';
import type { TieredCache } from '../tiers/tiered-cache.js';

/** What callers tune in the tiers of `serve`'s HTTP API (part of `ServeOptions`). */
export interface ServeTiersOptions {
  /**
   * How HTTP reads and writes go through the tiers: L1, the origin, the strategy, the grace
   * period (`config` or `settings`, the environment of `origin.headers`, `fetch`; see
   * `openTieredCache`). @default L1 with its defaults, no origin, read-through
   */
  readonly tiers?: Omit<OpenTieredCacheOptions, 'clock'>;
  /**
   * Per-namespace rate limits of the HTTP API (HTTP 429). Quotas are enforced, and reported by
   * `/v1/stats`, by the store from its own settings. @default {}
   */
  readonly namespaces?: NamespacePolicies;
  /** How often the write-behind outbox is sent to the origin; 0: only on shutdown. @default 1000 */
  readonly outboxFlushMs?: number;
}

/**
 * What `serve` puts in front of the store for HTTP clients: the tiered cache (so that L1 serves a
 * long-lived process, and strategies, origin and grace apply), the namespaces' rate limiter, and
 * the write-behind outbox flusher. Closing it drains the outbox within the deadline.
 */
export class ServeTiers {
  readonly cache: TieredCache;
  readonly limiter: NamespaceRateLimiter;
  readonly #outboxFlushMs: number;
  readonly #onWarning: ((message: string) => void) | undefined;
  #closing: Promise<void> | undefined;

  private constructor(cache: TieredCache, options: ServeTiersOptions, clock: Clock) {
    this.cache = cache;
    this.#outboxFlushMs = options.outboxFlushMs ?? 1000;
    this.#onWarning = options.tiers?.onWarning;
    this.limiter = new NamespaceRateLimiter(options.namespaces ?? {}, { clock });
  }

  /** Open the tiered cache on `store` (a strategy that writes the origin needs one). */
  static async open(store: Store, options: ServeTiersOptions, clock: Clock): Promise<ServeTiers> {
    const cache = await openTieredCache(store, { ...options.tiers, clock });
    return new ServeTiers(cache, options, clock);
  }

  /** Start sending the write-behind outbox in the background (when there is an origin). */
  startFlusher(): void {
    if (this.#outboxFlushMs > 0) this.cache.startOutboxFlusher(this.#outboxFlushMs);
  }

  /**
   * Stop the flusher, send what the outbox holds once more within `deadline` (what is left stays
   * in the store for the next owner or `maintain`), then close the cache. Idempotent.
   */
  close(deadline: Deadline): Promise<void> {
    this.#closing ??= (async () => {
      await this.cache.drainOutbox({ deadline }).catch((error: unknown) => {
        this.#onWarning?.(`the outbox was not drained: ${(error as Error).message}`);
      });
      await this.cache.close();
    })();
    return this.#closing;
  }
}
