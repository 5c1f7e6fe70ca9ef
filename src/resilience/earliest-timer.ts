import type { Clock, Timer } from '../clock.js';

/**
 * One timer for many expiries: armed for the earliest time asked for, never later. Re-arming
 * happens only for a time earlier than the one armed for, so adding a later expiry costs a
 * comparison. When it fires it is disarmed, and `onFire` asks again for what is left.
 */
export class EarliestTimer {
  readonly #clock: Clock;
  readonly #onFire: () => void;
  #timer: Timer | undefined;
  #at = Infinity;

  constructor(clock: Clock, onFire: () => void) {
    this.#clock = clock;
    this.#onFire = onFire;
  }

  /** Fire at `at` (the clock's time) or earlier. */
  fireBy(at: number): void {
    if (at >= this.#at) return;
    this.#timer?.cancel();
    this.#at = at;
    this.#timer = this.#clock.setTimer(Math.max(0, at - this.#clock.now()), () => {
      this.#timer = undefined;
      this.#at = Infinity;
      this.#onFire();
    });
  }

  /** Disarm it. */
  cancel(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#at = Infinity;
  }
}
