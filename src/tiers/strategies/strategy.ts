import type { Clock } from '../../clock.js';
import type { Deadline } from '../../resilience/deadline.js';
import type { EntryInput, WrittenEntry } from '../../store/entry.js';
import type { SetOptions } from '../../store/store-options.js';
import type { StrategyName } from '../strategy-name.js';

/** The tiers as a strategy writes to them. */
export interface WriteTiers {
  readonly clock: Clock;
  /** Validate `value` for `key` and return the JSON text an origin receives. */
  encode(key: string, value: unknown): string;
  /** Write L2 (with `also` in the same transaction), then L1. */
  cache(key: string, value: unknown, options: SetOptions): Promise<WrittenEntry>;
  /** Write many entries to L2, all or none (with `also` in the same transaction), and drop them from L1. */
  cacheMany(
    items: readonly EntryInput[],
    options: Omit<SetOptions, 'ttlMs'>,
  ): Promise<{ written: number; bytes: number }>;
  /** Send `body` to the origin through its breaker (E_ORIGIN_UNAVAILABLE when it fails or there is none). */
  origin(key: string, body: string, deadline: Deadline | undefined): Promise<void>;
  /** Drop `key` from L1 and L2 (best effort: a failure is a warning). */
  invalidate(key: string, deadline: Deadline | undefined): Promise<void>;
}

/** How reads and writes travel through the tiers. */
export interface CacheStrategy {
  readonly name: StrategyName;
  /** A miss in L1 and L2 is loaded from the origin (and fills both). */
  readonly readsOrigin: boolean;
  /** Writes go to the origin too, so the strategy cannot work without one. */
  readonly writesOrigin: boolean;
  /** Write one entry. */
  write(tiers: WriteTiers, key: string, value: unknown, options: SetOptions): Promise<WrittenEntry>;
  /** Write a batch, all or none. */
  writeMany(
    tiers: WriteTiers,
    items: readonly EntryInput[],
    options: Omit<SetOptions, 'ttlMs'>,
  ): Promise<{ written: number; bytes: number }>;
}
