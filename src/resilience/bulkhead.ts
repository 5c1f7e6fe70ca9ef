import PQueue from 'p-queue';
import type { Clock, Timer } from '../clock.js';
import { formatDuration } from '../config/units.js';
import { QueueFullError, QueueTimeoutError } from '../errors/index.js';
import type { Deadline } from './deadline.js';
import { LatencyStats, type LatencySummary } from './latency-stats.js';
import { LoopTurns } from './loop-turns.js';

/** Which queue an operation waits in: reads never wait behind writes. */
export type OperationKind = 'read' | 'write';

/** A queue of the bulkhead: one per {@link OperationKind}, plus one for exclusive sections. */
export type BulkheadLane = OperationKind | 'exclusive';

/** Options for {@link Bulkhead}; the same names as the `queue` section of the configuration. */
export interface BulkheadOptions {
  /** Reads running at once. @default 10 */
  readonly readConcurrency?: number;
  /** Writes running at once. @default 5 */
  readonly writeConcurrency?: number;
  /** Calls allowed to wait in each queue (0: none); one more is rejected at once. @default 500 */
  readonly maxLength?: number;
  /** Longest a call waits for a slot before it is rejected. @default 2000 */
  readonly waitTimeoutMs?: number;
  /**
   * Let the event loop turn (timers, sockets) before starting a call when the last turn is this
   * old; `Infinity` never does (deterministic tests). @default 10
   */
  readonly loopTurnEveryMs?: number;
}

/** What {@link Bulkhead} needs injected. */
export interface BulkheadDeps {
  /** Times waits and runs; every timer of the bulkhead is set on it. */
  readonly clock: Clock;
}

/** Calls waiting and running in one lane. */
export interface LaneStats {
  readonly pending: number;
  readonly active: number;
}

/** Figures of a {@link Bulkhead} since it was made. */
export interface QueueStats {
  /** Calls waiting for a slot now. */
  readonly pending: number;
  /** Calls running now. */
  readonly active: number;
  /** Calls that ran and resolved. */
  readonly completed: number;
  /** Calls that ran and rejected. */
  readonly failed: number;
  /** Calls turned away without running: queue full, queue-wait timeout, deadline, or closing. */
  readonly rejected: number;
  /** Time from arrival to start, in milliseconds. */
  readonly waitMs: LatencySummary;
  /** Time from start to settling, in milliseconds. */
  readonly execMs: LatencySummary;
  readonly byKind: Readonly<Record<BulkheadLane, LaneStats>>;
}

/** Per-call settings of {@link Bulkhead.run}. */
export interface RunOptions {
  /** Higher runs first among waiting calls of the same kind. @default 0 */
  readonly priority?: number;
}

const LANES: readonly BulkheadLane[] = ['read', 'write', 'exclusive'];

function checkInteger(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`Expected \`${name}\` to be an integer from ${min} and up, got ${value}`);
  }
  return value;
}

/**
 * The bulkhead in front of the store, on p-queue: separate read and write queues with their own
 * concurrency, a bound on waiting calls ({@link QueueFullError} at once), and a queue-wait limit
 * ({@link QueueTimeoutError}, or `DeadlineExceededError` stage `queue` when the caller's deadline
 * is the tighter limit). A call that gives up waiting is removed from its queue and never runs.
 */
export class Bulkhead {
  readonly #queues: Readonly<Record<BulkheadLane, PQueue>>;
  readonly #maxLength: number;
  readonly #waitTimeoutMs: number;
  readonly #clock: Clock;
  readonly #waiting = new Map<AbortController, Timer | undefined>();
  readonly #waitStats = new LatencyStats();
  readonly #execStats = new LatencyStats();
  readonly #turns: LoopTurns;
  #completed = 0;
  #failed = 0;
  #rejected = 0;
  #paused = false;
  #exclusiveHolds = 0;

  constructor(options: BulkheadOptions, deps: BulkheadDeps) {
    const concurrency = (name: string, value: number): number => checkInteger(name, value, 1);
    this.#queues = {
      read: new PQueue({
        concurrency: concurrency('readConcurrency', options.readConcurrency ?? 10),
      }),
      write: new PQueue({
        concurrency: concurrency('writeConcurrency', options.writeConcurrency ?? 5),
      }),
      exclusive: new PQueue({ concurrency: 1 }),
    };
    this.#maxLength = checkInteger('maxLength', options.maxLength ?? 500, 0);
    this.#waitTimeoutMs = options.waitTimeoutMs ?? 2000;
    if (!(this.#waitTimeoutMs > 0)) {
      throw new RangeError(`Expected \`waitTimeoutMs\` to be above 0, got ${this.#waitTimeoutMs}`);
    }
    this.#clock = deps.clock;
    this.#turns = new LoopTurns(options.loopTurnEveryMs ?? 10);
  }

  /** Run `fn` in the `kind` queue once a slot is free, within the queue-wait limit. */
  run<T>(
    kind: OperationKind,
    deadline: Deadline,
    fn: () => Promise<T>,
    options: RunOptions = {},
  ): Promise<T> {
    return this.#enqueue(kind, deadline, fn, options.priority ?? 0);
  }

  /**
   * Run `fn` alone (for `VACUUM`, `CHECKPOINT`): hold every other call back, wait for the running
   * ones to finish, run `fn`, let the others go. Exclusive calls wait in their own queue, one at a
   * time. Never call it from inside a running call: it would wait for itself until the deadline.
   */
  exclusive<T>(deadline: Deadline, fn: () => Promise<T>): Promise<T> {
    return this.#enqueue('exclusive', deadline, async () => {
      this.#exclusiveHolds += 1;
      this.#applyPause();
      try {
        const { read, write } = this.#queues;
        const quiet = await this.#until(
          () => read.pending === 0 && write.pending === 0,
          () => Promise.all([read.onPendingZero(), write.onPendingZero()]),
          deadline,
        );
        if (!quiet) throw deadline.exceeded('queue', 'waiting for running calls to finish');
        return await fn();
      } finally {
        this.#exclusiveHolds -= 1;
        this.#applyPause();
      }
    });
  }

  /** Start no more calls until {@link resume}; running calls go on, waiting ones keep waiting. */
  pause(): void {
    this.#paused = true;
    this.#applyPause();
  }

  /** Start waiting calls again after {@link pause}. */
  resume(): void {
    this.#paused = false;
    this.#applyPause();
  }

  /** True while paused by {@link pause} (not while an exclusive call holds the others back). */
  get isPaused(): boolean {
    return this.#paused;
  }

  /** Wait until no call runs or waits; false when `deadline` came first (or while paused). */
  drain(deadline: Deadline): Promise<boolean> {
    const queues = LANES.map((lane) => this.#queues[lane]);
    return this.#until(
      () => queues.every((q) => q.size === 0 && q.pending === 0),
      () => Promise.all(queues.map((q) => q.onIdle())),
      deadline,
    );
  }

  /** Reject every waiting call with `reason` (they never run); returns how many there were. */
  rejectWaiting(reason: Error): number {
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    for (const [controller, timer] of waiting) {
      timer?.cancel();
      this.#rejected += 1;
      controller.abort(reason);
    }
    return waiting.length;
  }

  /** Calls waiting and running, outcomes so far, and wait and run times. */
  stats(): QueueStats {
    const lane = (q: PQueue): LaneStats => ({ pending: q.size, active: q.pending });
    const byKind = {
      read: lane(this.#queues.read),
      write: lane(this.#queues.write),
      exclusive: lane(this.#queues.exclusive),
    };
    const sum = (key: keyof LaneStats): number =>
      LANES.reduce((total, name) => total + byKind[name][key], 0);
    return {
      pending: sum('pending'),
      active: sum('active'),
      completed: this.#completed,
      failed: this.#failed,
      rejected: this.#rejected,
      waitMs: this.#waitStats.summary(),
      execMs: this.#execStats.summary(),
      byKind,
    };
  }

  #enqueue<T>(
    lane: BulkheadLane,
    deadline: Deadline,
    fn: () => Promise<T>,
    priority = 0,
  ): Promise<T> {
    const queue = this.#queues[lane];
    const mustWait = queue.size > 0 || queue.isPaused || queue.pending >= queue.concurrency;
    if (mustWait && queue.size >= this.#maxLength) {
      this.#rejected += 1;
      return Promise.reject(
        new QueueFullError(
          `the ${lane} queue is full: ${queue.size} calls are waiting (queue.maxLength ${this.#maxLength})`,
          { hint: 'The store is overloaded; retry in a moment or lower the load.' },
        ),
      );
    }
    const remaining = deadline.remaining();
    if (remaining <= 0) {
      this.#rejected += 1;
      return Promise.reject(deadline.exceeded('queue'));
    }
    // A free slot and nobody waiting: the call starts at once, so it needs no wait timer and no
    // abort signal (the common case, kept cheap).
    const controller = mustWait ? new AbortController() : undefined;
    if (controller !== undefined)
      this.#waiting.set(controller, this.#waitTimer(lane, deadline, controller));
    const enqueuedAt = this.#clock.now();
    return queue.add(
      async () => {
        if (controller !== undefined) {
          this.#waiting.get(controller)?.cancel();
          this.#waiting.delete(controller);
        }
        const turn = this.#turns.maybeTurn();
        if (turn !== undefined) await turn;
        const startedAt = this.#clock.now();
        this.#waitStats.record(startedAt - enqueuedAt);
        try {
          const value = await fn();
          this.#completed += 1;
          return value;
        } catch (error) {
          this.#failed += 1;
          throw error;
        } finally {
          this.#execStats.record(this.#clock.now() - startedAt);
        }
      },
      controller === undefined ? { priority } : { signal: controller.signal, priority },
    );
  }

  #waitTimer(
    lane: BulkheadLane,
    deadline: Deadline,
    controller: AbortController,
  ): Timer | undefined {
    const remaining = deadline.remaining();
    const limit = Math.min(remaining, this.#waitTimeoutMs);
    if (!Number.isFinite(limit)) return undefined;
    const deadlineBinds = remaining <= this.#waitTimeoutMs;
    return this.#clock.setTimer(limit, () => {
      if (!this.#waiting.delete(controller)) return;
      this.#rejected += 1;
      controller.abort(
        deadlineBinds
          ? deadline.exceeded('queue')
          : new QueueTimeoutError(
              `waited ${formatDuration(this.#waitTimeoutMs)} in the ${lane} queue without a free slot`,
              { hint: 'The store is busy; retry in a moment, or raise queue.waitTimeoutMs.' },
            ),
      );
    });
  }

  #applyPause(): void {
    const hold = this.#paused || this.#exclusiveHolds > 0;
    for (const lane of LANES) {
      const stop = lane === 'exclusive' ? this.#paused : hold;
      if (stop) this.#queues[lane].pause();
      else this.#queues[lane].start();
    }
  }

  // Wait until `done()` holds, re-checking each time `wake()` settles; false at the deadline.
  async #until(
    done: () => boolean,
    wake: () => Promise<unknown>,
    deadline: Deadline,
  ): Promise<boolean> {
    if (done()) return true;
    const remaining = deadline.remaining();
    if (remaining <= 0) return false;
    let timer: Timer | undefined;
    const expired = new Promise<false>((resolve) => {
      if (Number.isFinite(remaining)) timer = this.#clock.setTimer(remaining, () => resolve(false));
    });
    try {
      while (!done()) {
        const woke = await Promise.race([wake().then(() => true as const), expired]);
        if (!woke) return false;
      }
      return true;
    } finally {
      timer?.cancel();
    }
  }
}
