import type { Clock } from '../clock.js';
import { DeadlineExceededError, type DeadlineStage } from '../errors/index.js';
import { formatDuration } from '../config/units.js';

/**
 * The moment an operation must be finished by, carried from the command down through the queue,
 * each attempt and each backoff sleep. Every inner wait is cut to what remains.
 */
export class Deadline {
  readonly #clock: Clock;
  /** Epoch milliseconds at which the budget runs out. */
  readonly at: number;
  /** The whole budget in milliseconds, for messages. */
  readonly budgetMs: number;

  private constructor(clock: Clock, at: number, budgetMs: number) {
    this.#clock = clock;
    this.at = at;
    this.budgetMs = budgetMs;
  }

  /** A deadline `budgetMs` from now on `clock`. */
  static after(clock: Clock, budgetMs: number): Deadline {
    return new Deadline(clock, clock.now() + budgetMs, budgetMs);
  }

  /** A deadline that never comes (for housekeeping that must finish). */
  static never(clock: Clock): Deadline {
    return new Deadline(clock, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
  }

  /** Milliseconds left (0 when passed). */
  remaining(): number {
    return Math.max(0, this.at - this.#clock.now());
  }

  /** True once the deadline has passed. */
  get expired(): boolean {
    return this.remaining() <= 0;
  }

  /** The smaller of `ms` and what remains. */
  cap(ms: number): number {
    return Math.min(ms, this.remaining());
  }

  /** Throw {@link DeadlineExceededError} for `stage` when the deadline has passed. */
  check(stage: DeadlineStage): void {
    if (this.expired) throw this.exceeded(stage);
  }

  /** The error for running out of time in `stage`; `detail` (what was going on) is appended. */
  exceeded(stage: DeadlineStage, detail?: string): DeadlineExceededError {
    const suffix = detail === undefined ? '' : ` (${detail})`;
    return new DeadlineExceededError(
      `the ${formatDuration(this.budgetMs)} budget ran out during the ${stage} stage${suffix}`,
      stage,
      { hint: 'Retry later, or raise --timeout if the store is just slow.' },
    );
  }
}
