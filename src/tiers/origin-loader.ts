import type { Clock } from '../clock.js';
import { OriginUnavailableError } from '../errors/index.js';
import type { Deadline } from '../resilience/deadline.js';
import type { Entry } from '../store/entry.js';
import type { Store } from '../store/store.js';
import type { GuardedOrigin } from './guarded-origin.js';
import type { MemoryTier } from './memory-tier.js';
import { SingleFlight } from './single-flight.js';
import type { TierMetrics } from './tier-metrics.js';
import type { TieredRead } from './tiered-cache.js';
import { transientEntry } from './write-tiers.js';

/** What {@link OriginLoader} works with. */
export interface OriginLoaderDeps {
  readonly origin: GuardedOrigin;
  readonly store: Store;
  readonly memory: MemoryTier;
  readonly metrics: TierMetrics;
  readonly clock: Clock;
  /** With a stale copy at hand, wait this long for the origin (0: until it answers or fails). */
  readonly softTimeoutMs: number;
  readonly graceMs: number;
  readonly onWarning?: ((message: string) => void) | undefined;
}

type Loaded = { readonly found: true; readonly entry: Entry } | { readonly found: false };
type Race =
  | { readonly kind: 'done'; readonly loaded: Loaded }
  | { readonly kind: 'failed'; readonly error: unknown }
  | { readonly kind: 'slow' };

/**
 * Loads misses from the origin: one request per key at a time (single-flight), filling L2 then
 * L1; with a stale copy at hand it serves that copy when the origin fails, is open, or is slower
 * than the soft timeout (the request then goes on in the background and still fills the tiers).
 */
export class OriginLoader {
  readonly #deps: OriginLoaderDeps;
  readonly #flights = new SingleFlight<Loaded>();

  constructor(deps: OriginLoaderDeps) {
    this.#deps = deps;
  }

  /** Load `key`; `fallback` is the stale copy to serve if the origin cannot answer in time. */
  async load(
    key: string,
    fallback: TieredRead | undefined,
    ttlMs: number | undefined,
    deadline: Deadline,
  ): Promise<TieredRead | undefined> {
    const { memory, metrics } = this.#deps;
    // A flight that finished between the caller's L2 read and now has filled L1.
    const filled = memory.get(key, this.#deps.graceMs);
    if (filled?.state === 'live') return { entry: filled.entry, tier: 'l1', stale: false };
    const flight = this.#flights.run(key, () => this.#fetchAndFill(key, ttlMs, deadline));
    if (flight.joined) metrics.count('singleflight.joins');
    const race = await this.#race(flight.promise, fallback !== undefined);
    switch (race.kind) {
      case 'done':
        if (!race.loaded.found) return undefined;
        return { entry: race.loaded.entry, tier: 'l3', stale: false };
      case 'slow':
        metrics.count('refresh.background');
        metrics.count('stale.served');
        return fallback;
      case 'failed':
        if (!(race.error instanceof OriginUnavailableError)) throw race.error;
        if (fallback === undefined) throw noCachedCopy(key, race.error);
        metrics.count('stale.served');
        return fallback;
    }
  }

  /** Wait until every origin request running now (background refreshes included) has settled. */
  settled(): Promise<void> {
    return this.#flights.settled();
  }

  // Wait for the origin; with a stale copy at hand, no longer than the soft timeout.
  #race(promise: Promise<Loaded>, haveFallback: boolean): Promise<Race> {
    const soft = this.#deps.softTimeoutMs;
    return new Promise<Race>((resolve) => {
      const timer =
        haveFallback && soft > 0
          ? this.#deps.clock.setTimer(soft, () => resolve({ kind: 'slow' }))
          : undefined;
      promise.then(
        (loaded) => {
          timer?.cancel();
          resolve({ kind: 'done', loaded });
        },
        (error: unknown) => {
          timer?.cancel();
          resolve({ kind: 'failed', error });
        },
      );
    });
  }

  async #fetchAndFill(key: string, ttlMs: number | undefined, deadline: Deadline): Promise<Loaded> {
    const { store, memory, clock } = this.#deps;
    const reply = await this.#deps.origin.get(key, deadline);
    if (!reply.found) {
      memory.delete(key);
      return { found: false };
    }
    try {
      const summary = await store.set(key, reply.value, { ttlMs, deadline });
      const entry: Entry = { ...summary, value: reply.value };
      memory.set(entry);
      return { found: true, entry };
    } catch (error) {
      this.#deps.onWarning?.(
        `${key} came from the origin but was not cached: ${(error as Error).message}`,
      );
      return { found: true, entry: transientEntry(key, reply.value, new Date(clock.now())) };
    }
  }
}

function noCachedCopy(key: string, error: OriginUnavailableError): OriginUnavailableError {
  return new OriginUnavailableError(
    `${error.message}; there is no cached copy of ${key} to serve`,
    {
      cause: error,
      breakerOpen: error.breakerOpen,
      hint: error.hint,
    },
  );
}
