import type { Queryable } from '../db/database.js';
import { recordAccess } from './entry-queries.js';

/** What {@link AccessLog.take} hands over to be written. */
export interface AccessBatch {
  /** Entries read: when last (epoch ms) and how many times. */
  readonly touches: readonly { key: string; at: number; count: number }[];
  readonly counters: Readonly<Record<string, number>>;
}

/** One entry's reads since the last take. */
interface Touch {
  at: number;
  count: number;
}

/**
 * Reads recorded in memory and written in batches: a `get` stays a single SELECT, while access
 * times, access counts and the hit/miss counters reach the store on the next flush.
 */
export class AccessLog {
  readonly #touches = new Map<string, Touch>();
  readonly #counters = new Map<string, number>();
  // The two counters every read moves, kept apart from the map.
  #hits = 0;
  #misses = 0;

  /** Entries touched plus counters changed since the last take. */
  get size(): number {
    return (
      this.#touches.size +
      this.#counters.size +
      (this.#hits > 0 ? 1 : 0) +
      (this.#misses > 0 ? 1 : 0)
    );
  }

  /** Record a read of `key` at `at` (epoch ms): a hit touches the entry, a miss only counts. */
  read(key: string, hit: boolean, at: number): void {
    if (!hit) {
      this.#misses += 1;
      return;
    }
    this.#hits += 1;
    this.touch(key, at, 1);
  }

  /** Record `count` reads of `key`, the last at `at` (epoch ms). */
  touch(key: string, at: number, count = 1): void {
    const seen = this.#touches.get(key);
    if (seen === undefined) this.#touches.set(key, { at, count });
    else {
      seen.count += count;
      if (at > seen.at) seen.at = at;
    }
  }

  /** Add `n` to the persisted counter `name` (for example `hits`, `misses`). */
  count(name: string, n = 1): void {
    this.#counters.set(name, (this.#counters.get(name) ?? 0) + n);
  }

  /** Take everything recorded so far, leaving the log empty. */
  take(): AccessBatch {
    if (this.#hits > 0) this.count('hits', this.#hits);
    if (this.#misses > 0) this.count('misses', this.#misses);
    this.#hits = 0;
    this.#misses = 0;
    const batch: AccessBatch = {
      touches: [...this.#touches].map(([key, t]) => ({ key, at: t.at, count: t.count })),
      counters: Object.fromEntries(this.#counters),
    };
    this.#touches.clear();
    this.#counters.clear();
    return batch;
  }

  /** Put back a batch whose write failed, so that the next flush carries it. */
  restore(batch: AccessBatch): void {
    for (const t of batch.touches) this.touch(t.key, t.at, t.count);
    for (const [name, n] of Object.entries(batch.counters)) this.count(name, n);
  }
}

/** Write one batch: access times and counts, then counters, in one transaction. */
export async function writeAccessBatch(tx: Queryable, batch: AccessBatch): Promise<void> {
  await recordAccess(tx, batch.touches);
  const counters = Object.entries(batch.counters).filter(([, n]) => n > 0);
  if (counters.length > 0) {
    await tx.query(
      `INSERT INTO pgcache_counters (name, value)
       SELECT key, value::bigint FROM jsonb_each_text($1::jsonb)
       ON CONFLICT (name) DO UPDATE SET value = pgcache_counters.value + EXCLUDED.value`,
      [JSON.stringify(Object.fromEntries(counters))],
    );
  }
}
