import type { Clock } from '../clock.js';
import { EarliestTimer } from './earliest-timer.js';

/** Something to expire at a time: `expire()` is called at `at` unless it is removed first. */
export interface Watch {
  /** Epoch milliseconds. */
  readonly at: number;
  expire(): void;
}

/**
 * Many expiries on one timer: the timer is armed for the earliest watch and re-armed when it
 * fires, so a call that finishes in time costs a set insertion and deletion instead of a
 * setTimeout and clearTimeout (a measurable share of a 0.2 ms read). `dispose()` stops it.
 */
export class Watchdog {
  readonly #clock: Clock;
  readonly #watches = new Set<Watch>();
  readonly #timer: EarliestTimer;

  constructor(clock: Clock) {
    this.#clock = clock;
    this.#timer = new EarliestTimer(clock, () => this.#fire());
  }

  /** Call `onExpire` at `at` (epoch ms) unless the returned function is called first. */
  watch(at: number, onExpire: () => void): () => void {
    const entry: Watch = { at, expire: onExpire };
    this.add(entry);
    return () => this.delete(entry);
  }

  /** Expire `entry` at its time unless {@link delete} comes first (no closure needed). */
  add(entry: Watch): void {
    this.#watches.add(entry);
    this.#timer.fireBy(entry.at);
  }

  /** Forget `entry`. */
  delete(entry: Watch): void {
    this.#watches.delete(entry);
  }

  /** Forget every watch and cancel the timer. */
  dispose(): void {
    this.#watches.clear();
    this.#timer.cancel();
  }

  #fire(): void {
    const now = this.#clock.now();
    let next = Number.POSITIVE_INFINITY;
    for (const entry of [...this.#watches]) {
      if (entry.at <= now) {
        this.#watches.delete(entry);
        entry.expire();
      } else if (entry.at < next) next = entry.at;
    }
    if (next !== Number.POSITIVE_INFINITY) this.#timer.fireBy(next);
  }
}
