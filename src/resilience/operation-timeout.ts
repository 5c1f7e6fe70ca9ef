import type { Clock } from '../clock.js';
import { formatDuration } from '../config/units.js';
import { OperationTimeoutError } from '../errors/index.js';
import type { Deadline } from './deadline.js';
import { Watchdog, type Watch } from './watchdog.js';

/** Options for {@link OperationTimeout}. */
export interface OperationTimeoutOptions {
  /** Longest one attempt may take before the caller stops waiting for it. @default 5000 */
  readonly timeoutMs?: number;
}

/** What {@link OperationTimeout} needs injected. */
export interface OperationTimeoutDeps {
  readonly clock: Clock;
}

/** Per-call settings of {@link OperationTimeout.run}. */
export interface AttemptOptions {
  /** Names the operation in the error message. @default 'operation' */
  readonly name?: string;
  /** This attempt's own limit (`Infinity`: the deadline only). @default the configured timeoutMs */
  readonly timeoutMs?: number;
}

// `fn()` as a promise, even when it throws before returning one.
function settle<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Bounds one attempt by min(operation timeout, what remains of the deadline). On expiry the
 * attempt rejects with {@link OperationTimeoutError}, or with `DeadlineExceededError` (stage
 * `attempt`) when the deadline was the tighter limit.
 *
 * Only the waiting stops: a running PGlite statement cannot be cancelled (it blocks the event
 * loop), so the work may still finish later; its result is then ignored.
 */
export class OperationTimeout {
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #watchdog: Watchdog;

  constructor(options: OperationTimeoutOptions, deps: OperationTimeoutDeps) {
    const timeoutMs = options.timeoutMs ?? 5000;
    if (!(timeoutMs > 0)) {
      throw new RangeError(`Expected \`timeoutMs\` to be above 0, got ${timeoutMs}`);
    }
    this.#timeoutMs = timeoutMs;
    this.#clock = deps.clock;
    this.#watchdog = new Watchdog(deps.clock);
  }

  /** Stop the shared timer (the runner calls it on close, so nothing keeps the process alive). */
  dispose(): void {
    this.#watchdog.dispose();
  }

  /** The configured limit of one attempt, in milliseconds. */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /** Run `fn` as one attempt; an expired deadline rejects at once without calling it. */
  run<T>(deadline: Deadline, fn: () => Promise<T>, options: AttemptOptions = {}): Promise<T> {
    if (deadline.remaining() <= 0) return Promise.reject(deadline.exceeded('attempt'));
    return this.race(deadline, settle(fn), options.name ?? 'operation', options.timeoutMs);
  }

  /**
   * Bound an attempt already started by min(`timeoutMs`, what remains of `deadline`): the
   * attempt itself when neither limit is finite, else a promise that rejects when the limit comes
   * first. One record per attempt, and no closure: the record is the watchdog's entry.
   */
  race<T>(
    deadline: Deadline,
    attempt: Promise<T>,
    name: string,
    timeoutMs: number = this.#timeoutMs,
  ): Promise<T> {
    const remaining = deadline.remaining();
    const limit = Math.min(remaining, timeoutMs);
    if (!Number.isFinite(limit)) return attempt;
    const timed = new TimedAttempt<T>(this.#clock.now() + limit, deadline, name, timeoutMs);
    timed.deadlineBinds = remaining <= timeoutMs;
    this.#watchdog.add(timed);
    void this.#forward(timed, attempt);
    return timed.promise;
  }

  async #forward<T>(timed: TimedAttempt<T>, attempt: Promise<T>): Promise<void> {
    try {
      timed.resolve(await attempt);
    } catch (error) {
      timed.reject(error);
    } finally {
      this.#watchdog.delete(timed);
    }
  }
}

// Hands a promise's resolvers to the TimedAttempt being built, without a closure per attempt.
let resolving: ((value: never) => void) | undefined;
let rejecting: ((reason: unknown) => void) | undefined;
function captureResolvers(
  resolve: (value: never) => void,
  reject: (reason: unknown) => void,
): void {
  resolving = resolve;
  rejecting = reject;
}

/** One attempt under a time limit: the promise its caller waits on, and the watchdog's entry. */
class TimedAttempt<T> implements Watch {
  readonly at: number;
  readonly promise: Promise<T>;
  readonly resolve: (value: T) => void;
  readonly reject: (reason: unknown) => void;
  deadlineBinds = false;
  readonly #deadline: Deadline;
  readonly #name: string;
  readonly #timeoutMs: number;

  constructor(at: number, deadline: Deadline, name: string, timeoutMs: number) {
    this.at = at;
    this.promise = new Promise<T>(captureResolvers);
    this.resolve = resolving as (value: T) => void;
    this.reject = rejecting as (reason: unknown) => void;
    this.#deadline = deadline;
    this.#name = name;
    this.#timeoutMs = timeoutMs;
  }

  expire(): void {
    this.reject(
      this.deadlineBinds
        ? this.#deadline.exceeded('attempt')
        : new OperationTimeoutError(
            `${this.#name} did not finish within ${formatDuration(this.#timeoutMs)} (it may still be running)`,
            { hint: 'The store is slow or stuck; retry, or raise --operation-timeout.' },
          ),
    );
  }
}
