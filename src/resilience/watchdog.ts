import type { Clock, Timer } from '../clock.js';

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
  #timer: Timer | undefined;
  #armedAt = Number.POSITIVE_INFINITY;

  constructor(clock: Clock) {
    this.#clock = clock;
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
    if (entry.at < this.#armedAt) this.#arm(entry.at);
  }

  /** Forget `entry`. */
  delete(entry: Watch): void {
    this.#watches.delete(entry);
  }

  /** Forget every watch and cancel the timer. */
  dispose(): void {
    this.#watches.clear();
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#armedAt = Number.POSITIVE_INFINITY;
  }

  #arm(at: number): void {
    this.#timer?.cancel();
    this.#armedAt = at;
    this.#timer = this.#clock.setTimer(Math.max(0, at - this.#clock.now()), () => this.#fire());
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedAt = Number.POSITIVE_INFINITY;
    const now = this.#clock.now();
    let next = Number.POSITIVE_INFINITY;
    for (const entry of [...this.#watches]) {
      if (entry.at <= now) {
        this.#watches.delete(entry);
        entry.expire();
      } else if (entry.at < next) next = entry.at;
    }
    if (next !== Number.POSITIVE_INFINITY) this.#arm(next);
  }
}
