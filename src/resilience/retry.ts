import { sleep, type Clock } from '../clock.js';
import type { Deadline } from './deadline.js';
import { isTransient } from './transient.js';

/** Options for {@link Retry}; the same names as the `retry` section of the configuration. */
export interface RetryOptions {
  /** Attempts in all, the first included (1 means no retry). @default 3 */
  readonly attempts?: number;
  /** Backoff before the first retry; it doubles for each later one. @default 20 */
  readonly baseDelayMs?: number;
  /** The longest backoff. @default 1000 */
  readonly maxDelayMs?: number;
}

/** What {@link Retry} needs injected. */
export interface RetryDeps {
  readonly clock: Clock;
  /** Jitter source in [0, 1); tests pass a fixed function. @default Math.random */
  readonly random?: () => number;
}

/** One retry about to happen, for {@link Retry.execute}'s `onRetry`. */
export interface RetryEvent {
  /** The attempt that failed (1 for the first). */
  readonly attempt: number;
  /** The backoff before the next attempt. */
  readonly delayMs: number;
  readonly error: unknown;
}

/** Counters of a {@link Retry} since it was made. */
export interface RetryStats {
  /** Retries started (backoffs slept). */
  readonly retried: number;
  /** Calls whose last allowed attempt still failed with a transient error. */
  readonly exhausted: number;
  /** Calls stopped because the next backoff would have passed the deadline. */
  readonly stoppedByDeadline: number;
}

/**
 * A bounded retry loop on an injected clock. Only {@link isTransient} errors are retried, with
 * exponential backoff (base × 2ⁿ, capped) and equal jitter (a delay d becomes d/2 + random × d/2).
 * A backoff that would reach the deadline is not slept: the call fails at once with
 * `DeadlineExceededError` (stage `backoff`).
 */
export class Retry {
  readonly #attempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #clock: Clock;
  readonly #random: () => number;
  #retried = 0;
  #exhausted = 0;
  #stoppedByDeadline = 0;

  constructor(options: RetryOptions, deps: RetryDeps) {
    this.#attempts = options.attempts ?? 3;
    this.#baseDelayMs = options.baseDelayMs ?? 20;
    this.#maxDelayMs = options.maxDelayMs ?? 1000;
    if (!Number.isInteger(this.#attempts) || this.#attempts < 1) {
      throw new RangeError(
        `Expected \`attempts\` to be an integer from 1 and up, got ${this.#attempts}`,
      );
    }
    if (!(this.#baseDelayMs >= 0 && this.#maxDelayMs >= this.#baseDelayMs)) {
      throw new RangeError(
        `Expected 0 ≤ \`baseDelayMs\` ≤ \`maxDelayMs\`, got ${this.#baseDelayMs} and ${this.#maxDelayMs}`,
      );
    }
    this.#clock = deps.clock;
    this.#random = deps.random ?? Math.random;
  }

  /** The backoff before retry number `retry` (0 for the first retry), jitter included. */
  delayMs(retry: number): number {
    const capped = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** retry);
    return Math.round(capped / 2 + (this.#random() * capped) / 2);
  }

  /** Run `attempt` (given its number, from 1) until it succeeds or may not be retried. */
  async execute<T>(
    deadline: Deadline,
    attempt: (n: number) => Promise<T>,
    onRetry?: (event: RetryEvent) => void,
  ): Promise<T> {
    try {
      return await attempt(1);
    } catch (error) {
      return this.retryAfter(error, 1, deadline, attempt, onRetry);
    }
  }

  /**
   * Go on after attempt `n` failed with `error`: back off and try again while the error is
   * transient, attempts remain and the backoff ends before the deadline; otherwise throw. The
   * runner makes the first attempt itself and calls this only when it failed.
   */
  async retryAfter<T>(
    error: unknown,
    n: number,
    deadline: Deadline,
    attempt: (n: number) => Promise<T>,
    onRetry?: (event: RetryEvent) => void,
  ): Promise<T> {
    for (let failed = n, last = error; ; failed += 1) {
      if (!isTransient(last)) throw last;
      if (failed >= this.#attempts) {
        this.#exhausted += 1;
        throw last;
      }
      const delayMs = this.delayMs(failed - 1);
      if (delayMs >= deadline.remaining()) {
        this.#stoppedByDeadline += 1;
        const why = last instanceof Error ? last.message : String(last);
        throw deadline.exceeded('backoff', `attempt ${failed} failed: ${why}`);
      }
      this.#retried += 1;
      onRetry?.({ attempt: failed, delayMs, error: last });
      if (delayMs > 0) await sleep(this.#clock, delayMs);
      try {
        return await attempt(failed + 1);
      } catch (next) {
        last = next;
      }
    }
  }

  /** Retries, exhausted calls and deadline stops so far. */
  stats(): RetryStats {
    return {
      retried: this.#retried,
      exhausted: this.#exhausted,
      stoppedByDeadline: this.#stoppedByDeadline,
    };
  }
}
