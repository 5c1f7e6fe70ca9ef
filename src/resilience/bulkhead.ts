import type { Clock, Timer } from '../clock.js';
import { formatDuration } from '../config/units.js';
import { QueueFullError, QueueTimeoutError } from '../errors/index.js';
import type { Deadline } from './deadline.js';
import { LatencyStats, type LatencySummary } from './latency-stats.js';
import { Lane, type Waiter } from './lane.js';
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
 * The bulkhead in front of the store: separate read and write lanes with their own concurrency,
 * a bound on waiting calls ({@link QueueFullError} at once), and a queue-wait limit
 * ({@link QueueTimeoutError}, or `DeadlineExceededError` stage `queue` when the caller's deadline
 * is the tighter limit). A call that gives up waiting is removed from its lane and never runs.
 *
 * A call that finds a free slot and nobody waiting starts at once; {@link enter} and
 * {@link leave} let the runner take such a slot without a promise or a closure of the
 * bulkhead's own, with exactly the limits and order of {@link run}.
 */
export class Bulkhead {
  readonly #lanes: Readonly<Record<BulkheadLane, Lane>>;
  readonly #maxLength: number;
  readonly #waitTimeoutMs: number;
  readonly #clock: Clock;
  readonly #waiting = new Set<Waiting>();
  readonly #waitStats = new LatencyStats();
  readonly #execStats = new LatencyStats();
  readonly #turns: LoopTurns;
  /** Woken whenever a call finishes, a waiting call leaves, or the bulkhead resumes. */
  #listeners: (() => void)[] = [];
  #completed = 0;
  #failed = 0;
  #rejected = 0;
  #paused = false;
  #exclusiveHolds = 0;

  constructor(options: BulkheadOptions, deps: BulkheadDeps) {
    const concurrency = (name: string, value: number): number => checkInteger(name, value, 1);
    this.#lanes = {
      read: new Lane('read', concurrency('readConcurrency', options.readConcurrency ?? 10)),
      write: new Lane('write', concurrency('writeConcurrency', options.writeConcurrency ?? 5)),
      exclusive: new Lane('exclusive', 1),
    };
    this.#maxLength = checkInteger('maxLength', options.maxLength ?? 500, 0);
    this.#waitTimeoutMs = options.waitTimeoutMs ?? 2000;
    if (!(this.#waitTimeoutMs > 0)) {
      throw new RangeError(`Expected \`waitTimeoutMs\` to be above 0, got ${this.#waitTimeoutMs}`);
    }
    this.#clock = deps.clock;
    this.#turns = new LoopTurns(options.loopTurnEveryMs ?? 10);
  }

  /** Run `fn` in the `kind` lane once a slot is free, within the queue-wait limit. */
  run<T>(
    kind: OperationKind,
    deadline: Deadline,
    fn: () => Promise<T>,
    options: RunOptions = {},
  ): Promise<T> {
    return this.#enqueue(this.#lanes[kind], deadline, fn, options.priority ?? 0);
  }

  /**
   * Take a slot of the `kind` lane at once, when one is free, nobody waits and the event loop
   * had its turn lately: true when taken. The caller runs its call and then calls
   * {@link leave} with the time {@link enter} was called (the clock's `now()`).
   */
  enter(kind: OperationKind): boolean {
    const lane = this.#lanes[kind];
    if (!lane.free || this.#turns.due) return false;
    lane.enter();
    this.#waitStats.record(0);
    return true;
  }

  /** Give back a slot taken by {@link enter}: `ok` when the call resolved. */
  leave(kind: OperationKind, startedAt: number, ok: boolean): void {
    if (ok) this.#completed += 1;
    else this.#failed += 1;
    this.#execStats.record(this.#clock.now() - startedAt);
    this.#lanes[kind].leave();
    this.#changed();
  }

  /**
   * Run `fn` alone (for `VACUUM`, `CHECKPOINT`): hold every other call back, wait for the running
   * ones to finish, run `fn`, let the others go. Exclusive calls wait in their own lane, one at a
   * time. Never call it from inside a running call: it would wait for itself until the deadline.
   */
  exclusive<T>(deadline: Deadline, fn: () => Promise<T>): Promise<T> {
    return this.#enqueue(this.#lanes.exclusive, deadline, async () => {
      this.#exclusiveHolds += 1;
      this.#applyPause();
      try {
        const { read, write } = this.#lanes;
        const quiet = await this.#until(() => read.active === 0 && write.active === 0, deadline);
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
    const lanes = LANES.map((name) => this.#lanes[name]);
    return this.#until(() => lanes.every((l) => l.waiting === 0 && l.active === 0), deadline);
  }

  /** Reject every waiting call with `reason` (they never run); returns how many there were. */
  rejectWaiting(reason: Error): number {
    const waiting = [...this.#waiting];
    for (const lane of LANES) this.#lanes[lane].clear();
    this.#waiting.clear();
    for (const call of waiting) {
      call.timer?.cancel();
      this.#rejected += 1;
      call.reject(reason);
    }
    this.#changed();
    return waiting.length;
  }

  /** Calls waiting and running, outcomes so far, and wait and run times. */
  stats(): QueueStats {
    const lane = (l: Lane): LaneStats => ({ pending: l.waiting, active: l.active });
    const byKind = {
      read: lane(this.#lanes.read),
      write: lane(this.#lanes.write),
      exclusive: lane(this.#lanes.exclusive),
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

  #enqueue<T>(lane: Lane, deadline: Deadline, fn: () => Promise<T>, priority = 0): Promise<T> {
    const mustWait = !lane.free;
    if (mustWait && lane.waiting >= this.#maxLength) {
      this.#rejected += 1;
      return Promise.reject(
        new QueueFullError(
          `the ${lane.name} queue is full: ${lane.waiting} calls are waiting (queue.maxLength ${this.#maxLength})`,
          { hint: 'The store is overloaded; retry in a moment or lower the load.' },
        ),
      );
    }
    if (deadline.remaining() <= 0) {
      this.#rejected += 1;
      return Promise.reject(deadline.exceeded('queue'));
    }
    const enqueuedAt = this.#clock.now();
    if (!mustWait) {
      lane.enter();
      return this.#start(lane, fn, enqueuedAt);
    }
    return new Promise<T>((resolve, reject) => {
      const call: Waiting = {
        priority,
        timer: undefined,
        start: () => {
          call.timer?.cancel();
          this.#waiting.delete(call);
          this.#start(lane, fn, enqueuedAt).then(resolve, reject);
        },
        reject,
      };
      this.#waiting.add(call);
      lane.wait(call);
      call.timer = this.#waitTimer(lane, deadline, call);
    });
  }

  // Run `fn` in a slot of `lane` already counted as active.
  async #start<T>(lane: Lane, fn: () => Promise<T>, enqueuedAt: number): Promise<T> {
    let ok = false;
    let startedAt = enqueuedAt;
    try {
      const turn = this.#turns.maybeTurn();
      if (turn !== undefined) await turn;
      startedAt = this.#clock.now();
      this.#waitStats.record(startedAt - enqueuedAt);
      const value = await fn();
      ok = true;
      return value;
    } finally {
      if (ok) this.#completed += 1;
      else this.#failed += 1;
      this.#execStats.record(this.#clock.now() - startedAt);
      lane.leave();
      this.#changed();
    }
  }

  #waitTimer(lane: Lane, deadline: Deadline, call: Waiting): Timer | undefined {
    const remaining = deadline.remaining();
    const limit = Math.min(remaining, this.#waitTimeoutMs);
    if (!Number.isFinite(limit)) return undefined;
    const deadlineBinds = remaining <= this.#waitTimeoutMs;
    return this.#clock.setTimer(limit, () => {
      if (!this.#waiting.delete(call)) return;
      lane.remove(call);
      this.#rejected += 1;
      call.reject(
        deadlineBinds
          ? deadline.exceeded('queue')
          : new QueueTimeoutError(
              `waited ${formatDuration(this.#waitTimeoutMs)} in the ${lane.name} queue without a free slot`,
              { hint: 'The store is busy; retry in a moment, or raise queue.waitTimeoutMs.' },
            ),
      );
      this.#changed();
    });
  }

  #applyPause(): void {
    const hold = this.#paused || this.#exclusiveHolds > 0;
    for (const name of LANES) {
      const lane = this.#lanes[name];
      lane.paused = name === 'exclusive' ? this.#paused : hold;
    }
    for (const name of LANES) this.#lanes[name].pump();
    this.#changed();
  }

  #changed(): void {
    if (this.#listeners.length === 0) return;
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const wake of listeners) wake();
  }

  // Wait until `done()` holds, re-checking after every change; false at the deadline.
  async #until(done: () => boolean, deadline: Deadline): Promise<boolean> {
    if (done()) return true;
    const remaining = deadline.remaining();
    if (remaining <= 0) return false;
    let timer: Timer | undefined;
    const expired = new Promise<false>((resolve) => {
      if (Number.isFinite(remaining)) timer = this.#clock.setTimer(remaining, () => resolve(false));
    });
    try {
      while (!done()) {
        const changed = new Promise<true>((resolve) => this.#listeners.push(() => resolve(true)));
        if (!(await Promise.race([changed, expired]))) return false;
      }
      return true;
    } finally {
      timer?.cancel();
    }
  }
}

/** A call waiting in a lane, with its queue-wait timer. */
interface Waiting extends Waiter {
  timer: Timer | undefined;
}
