import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock.js';
import type { Entry } from '../store/entry.js';

/** Options for {@link MemoryTier}. */
export interface MemoryTierOptions {
  /** Bytes held at most (each entry counts its `sizeBytes` plus its key); 0 disables the tier. @default 67108864 */
  readonly maxBytes?: number;
  /**
   * Longest an entry stays before it is read from the store again, so that writes by other
   * processes are seen; 0 keeps it until its own expiry. @default 30000
   */
  readonly ttlMs?: number;
}

/** A read answered by L1, as the tiered cache returns it. */
export interface MemoryHit {
  readonly entry: Entry;
  readonly tier: 'l1';
  readonly stale: false;
}

/** What a lookup in L1 found. */
export type MemoryLookup =
  | {
      readonly state: 'live';
      readonly entry: Entry;
      /** The read's answer, made when the entry was stored and resolved already: a hit allocates nothing. */
      readonly answer: Promise<MemoryHit>;
    }
  /** Expired less than the grace period ago: may be served while the origin fails. */
  | { readonly state: 'stale'; readonly entry: Entry };

interface Held {
  readonly entry: Entry;
  /** Epoch ms the entry expires (`Infinity`: never), from the entry itself. */
  readonly expiresAt: number;
  /** Epoch ms after which L1 no longer answers for it and the store is asked again. */
  readonly until: number;
  /** What a lookup returns while it is live. */
  readonly live: MemoryLookup & { readonly state: 'live' };
}

/**
 * L1: entries in process memory, least recently used dropped first, bounded by bytes. Expiry is
 * checked against the injected clock with each entry's own `expiresAt`, so an entry promoted from
 * the store keeps the TTL it had left (lru-cache's own TTL, on `performance.now()`, is not used).
 * Values are shared, not copied: treat them as read-only.
 */
export class MemoryTier {
  readonly #cache: LRUCache<string, Held> | undefined;
  readonly #ttlMs: number;
  readonly #clock: Clock;

  constructor(options: MemoryTierOptions, deps: { readonly clock: Clock }) {
    const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.#ttlMs = options.ttlMs ?? 30_000;
    if (!(Number.isInteger(maxBytes) && maxBytes >= 0))
      throw new RangeError(`Expected \`maxBytes\` to be an integer from 0 and up, got ${maxBytes}`);
    if (!(this.#ttlMs >= 0))
      throw new RangeError(`Expected \`ttlMs\` to be 0 or more, got ${this.#ttlMs}`);
    this.#clock = deps.clock;
    this.#cache =
      maxBytes === 0
        ? undefined
        : new LRUCache<string, Held>({
            maxSize: maxBytes,
            sizeCalculation: (held, key) => Math.max(1, held.entry.sizeBytes + key.length),
          });
  }

  /** False when the tier was configured with `maxBytes: 0`. */
  get enabled(): boolean {
    return this.#cache !== undefined;
  }

  /** Entries held now. */
  get size(): number {
    return this.#cache?.size ?? 0;
  }

  /** Bytes held now (as counted against `maxBytes`). */
  get bytes(): number {
    return this.#cache?.calculatedSize ?? 0;
  }

  /**
   * The entry under `key`: live, or stale when it expired less than `graceMs` ago. An entry past
   * both, or live but past its time in L1, is dropped and `undefined` returned.
   */
  get(key: string, graceMs = 0): MemoryLookup | undefined {
    const held = this.#cache?.get(key);
    if (held === undefined) return undefined;
    const now = this.#clock.now();
    if (now < held.expiresAt) {
      if (now < held.until) return held.live;
    } else if (now < held.expiresAt + graceMs) return { state: 'stale', entry: held.entry };
    this.#cache?.delete(key);
    return undefined;
  }

  /** Hold `entry` (replacing what was there) until it expires or its time in L1 is up. */
  set(entry: Entry): void {
    if (this.#cache === undefined) return;
    const expiresAt = entry.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
    const until = this.#ttlMs === 0 ? Number.POSITIVE_INFINITY : this.#clock.now() + this.#ttlMs;
    const answer = Promise.resolve<MemoryHit>({ entry, tier: 'l1', stale: false });
    this.#cache.set(entry.key, { entry, expiresAt, until, live: { state: 'live', entry, answer } });
  }

  /** Forget `key`. */
  delete(key: string): void {
    this.#cache?.delete(key);
  }
}
