import type { Clock, Timer } from '../clock.js';
import { ClosedError, MaintenanceRunningError } from '../errors/index.js';
import type { Deadline } from '../resilience/deadline.js';

/** A maintenance run in progress, for the message of the one that waits for it. */
export interface MaintenanceRunInfo {
  readonly startedAt: string;
  /** Who asked for it, e.g. `pid 4242 (pgcache maintain)`. */
  readonly requestedBy: string;
}

/** Options of one run of {@link MaintenanceQueue.run}. */
export interface QueuedRunOptions {
  readonly requestedBy: string;
  /** How long it may wait for the runs before it. */
  readonly deadline: Deadline;
  /** Do not wait: fail at once with E_MAINTENANCE_RUNNING when a run is in progress. */
  readonly ifIdle: boolean;
}

interface Waiter {
  readonly info: MaintenanceRunInfo;
  readonly start: () => void;
  readonly fail: (error: Error) => void;
  timer: Timer | undefined;
}

/**
 * Maintenance runs of one store, one at a time in arrival order (like `flock -w`): a run that
 * finds another in progress waits for it until its deadline, then gives up with
 * E_MAINTENANCE_RUNNING (two evictions at once would both evict down to the low-water mark).
 */
export class MaintenanceQueue {
  readonly #clock: Clock;
  #current: MaintenanceRunInfo | undefined;
  #waiting: Waiter[] = [];
  #closed: Error | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** The run in progress, if any. */
  get current(): MaintenanceRunInfo | undefined {
    return this.#current;
  }

  /** Run `fn` once the runs before it have finished. */
  async run<T>(options: QueuedRunOptions, fn: () => Promise<T>): Promise<T> {
    if (this.#closed !== undefined) throw this.#closed;
    const info = { startedAt: '', requestedBy: options.requestedBy };
    if (this.#current === undefined) this.#current = this.#started(info);
    else if (options.ifIdle) throw this.#busy(this.#current, 'it was asked to run only if idle');
    // The run before hands over to this one (it becomes `current` then): none can slip between.
    else await this.#wait(info, options.deadline);
    try {
      return await fn();
    } finally {
      const next = this.#waiting.shift();
      this.#current = next === undefined ? undefined : this.#started(next.info);
      next?.start();
    }
  }

  /** Fail every waiting run with E_CLOSED (the store is closing); later runs too. */
  close(): void {
    this.#closed = new ClosedError('the store closed while this maintenance run waited its turn', {
      hint: 'Run `pgcache maintain` again.',
    });
    for (const waiter of this.#waiting.splice(0)) waiter.fail(this.#closed);
  }

  #wait(info: MaintenanceRunInfo, deadline: Deadline): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        info,
        timer: undefined,
        start: () => {
          waiter.timer?.cancel();
          resolve();
        },
        fail: (error) => {
          waiter.timer?.cancel();
          reject(error);
        },
      };
      const remaining = deadline.remaining();
      if (Number.isFinite(remaining)) {
        waiter.timer = this.#clock.setTimer(remaining, () => {
          this.#waiting = this.#waiting.filter((w) => w !== waiter);
          reject(this.#busy(this.#current, 'it did not finish within this run’s budget'));
        });
      }
      this.#waiting.push(waiter);
    });
  }

  #started(info: MaintenanceRunInfo): MaintenanceRunInfo {
    return { ...info, startedAt: new Date(this.#clock.now()).toISOString() };
  }

  #busy(current: MaintenanceRunInfo | undefined, why: string): MaintenanceRunningError {
    const who =
      current === undefined
        ? ''
        : ` (started ${current.startedAt}, requested by ${current.requestedBy})`;
    return new MaintenanceRunningError(
      `another maintenance run is in progress${who}; this one did not start: ${why}`,
      {
        hint: 'Nothing to do: that run maintains the store. Give --timeout more time to wait for it.',
      },
    );
  }
}
