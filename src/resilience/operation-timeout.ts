import type { Clock } from '../clock.js';
import { formatDuration } from '../config/units.js';
import { OperationTimeoutError } from '../errors/index.js';
import type { Deadline } from './deadline.js';
import { Watchdog } from './watchdog.js';

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
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const remaining = deadline.remaining();
    if (remaining <= 0) return Promise.reject(deadline.exceeded('attempt'));
    const limit = Math.min(remaining, timeoutMs);
    if (!Number.isFinite(limit)) return settle(fn);
    const deadlineBinds = remaining <= timeoutMs;
    const name = options.name ?? 'operation';
    return new Promise<T>((resolve, reject) => {
      const unwatch = this.#watchdog.watch(this.#clock.now() + limit, () => {
        reject(
          deadlineBinds
            ? deadline.exceeded('attempt')
            : new OperationTimeoutError(
                `${name} did not finish within ${formatDuration(timeoutMs)} (it may still be running)`,
                { hint: 'The store is slow or stuck; retry, or raise --operation-timeout.' },
              ),
        );
      });
      settle(fn).then(
        (value) => {
          unwatch();
          resolve(value);
        },
        (error: unknown) => {
          unwatch();
          reject(error);
        },
      );
    });
  }
}
