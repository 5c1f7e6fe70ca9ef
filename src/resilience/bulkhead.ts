import type { Clock, Timer } from '../clock.js';
import { formatBytes, formatDuration } from '../config/units.js';
import {
  DEFAULT_QUEUE_MAX_BYTES,
  WAITING_CALL_BYTES,
  type BulkheadLane,
  type BulkheadOptions,
  type LaneStats,
  type OperationKind,
  type QueueStats,
} from './bulkhead-options.js';

import { QueueFullError, QueueTimeoutError } from '../errors/index.js';
import type { Deadline } from './deadline.js';
import { ExpiryQueue, type Expiry } from './expiry-queue.js';
import { LatencyStats } from './latency-stats.js';
import { Lane, type Waiter } from './lane.js';
import { LoopTurns } from './loop-turns.js';

/** What {@link Bulkhead} needs injected. */
export interface BulkheadDeps {
  /** Times waits and runs; every timer of the bulkhead is set on it. */
  readonly clock: Clock;
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
  readonly #maxLength: number | undefined;
  readonly #maxBytes: number;
  readonly #waitTimeoutMs: number;
  readonly #clock: Clock;
  readonly #waiting = new Set<Waiting>();
  readonly #expiries: ExpiryQueue<Waiting>;
  readonly #waitStats = new LatencyStats();
  readonly #execStats = new LatencyStats();
  readonly #turns: LoopTurns;
  /** Woken whenever a call finishes, a waiting call leaves, or the bulkhead resumes. */
  #listeners: (() => void)[] = [];
  #completed = 0;
  #failed = 0;
  #rejected = 0;
  #queuedBytes = 0;
  #peakPending = 0;
  #paused = false;
  #exclusiveHolds = 0;

  constructor(options: BulkheadOptions, deps: BulkheadDeps) {
    const concurrency = (name: string, value: number): number => checkInteger(name, value, 1);
    this.#lanes = {
      read: new Lane('read', concurrency('readConcurrency', options.readConcurrency ?? 10)),
      write: new Lane('write', concurrency('writeConcurrency', options.writeConcurrency ?? 5)),
      exclusive: new Lane('exclusive', 1),
    };
    this.#maxLength =
      options.maxLength === undefined ? undefined : checkInteger('maxLength', options.maxLength, 0);
    this.#maxBytes = checkInteger('maxBytes', options.maxBytes ?? DEFAULT_QUEUE_MAX_BYTES, 1);
    this.#waitTimeoutMs = options.waitTimeoutMs ?? 2000;
    if (!(this.#waitTimeoutMs > 0)) {
      throw new RangeError(`Expected \`waitTimeoutMs\` to be above 0, got ${this.#waitTimeoutMs}`);
    }
    this.#clock = deps.clock;
    this.#expiries = new ExpiryQueue(deps.clock, (call) => this.#expire(call));
    this.#turns = new LoopTurns(options.loopTurnEveryMs ?? 10);
  }

  /**
   * Run `fn` in the `kind` lane once a slot is free, within the queue-wait limit; `bytes` is the
   * data it carries while it waits (a write's values).
   */
  run<T>(
    kind: OperationKind,
    deadline: Deadline,
    fn: () => Promise<T>,
    options: RunOptions = {},
    bytes = 0,
  ): Promise<T> {
    return this.#enqueue(this.#lanes[kind], deadline, fn, options.priority ?? 0, bytes);
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
      call.expiry?.cancel();
      this.#queuedBytes -= call.bytes;
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
    const now = this.#clock.now();
    const headWaitMs = LANES.reduce((longest, name) => {
      const head = this.#lanes[name].head;
      return head === undefined ? longest : Math.max(longest, now - head.enqueuedAt);
    }, 0);
    return {
      pending: sum('pending'),
      peakPending: this.#peakPending,
      queuedBytes: this.#queuedBytes,
      headWaitMs,
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
    lane: Lane,
    deadline: Deadline,
    fn: () => Promise<T>,
    priority = 0,
    data = 0,
  ): Promise<T> {
    const mustWait = !lane.free;
    const bytes = WAITING_CALL_BYTES + data;
    const full = mustWait ? this.#full(lane, bytes) : undefined;
    if (full !== undefined) {
      this.#rejected += 1;
      return Promise.reject(full);
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
        enqueuedAt,
        bytes,
        lane,
        deadline,
        deadlineBinds: deadline.remaining() <= this.#waitTimeoutMs,
        expiry: undefined,
        start: () => {
          call.expiry?.cancel();
          this.#waiting.delete(call);
          this.#queuedBytes -= bytes;
          this.#start(lane, fn, enqueuedAt).then(resolve, reject);
        },
        reject,
      };
      this.#waiting.add(call);
      this.#queuedBytes += bytes;
      lane.wait(call);
      this.#peakPending = Math.max(this.#peakPending, this.#waiting.size);
      const limit = Math.min(deadline.remaining(), this.#waitTimeoutMs);
      if (Number.isFinite(limit)) call.expiry = this.#expiries.add(enqueuedAt + limit, call);
    });
  }

  // Why a call that must wait is turned away at once, if it is: the opt-in count, or memory.
  #full(lane: Lane, bytes: number): QueueFullError | undefined {
    if (this.#maxLength !== undefined && lane.waiting >= this.#maxLength) {
      return new QueueFullError(
        `the ${lane.name} queue is full: ${lane.waiting} calls are waiting (queue.maxLength ${this.#maxLength})`,
        {
          hint: 'The store is overloaded; retry in a moment, lower the load, or unset queue.maxLength to queue by memory.',
        },
      );
    }
    if (this.#queuedBytes + bytes > this.#maxBytes) {
      return new QueueFullError(
        `the queues are full: ${this.#waiting.size} waiting calls hold ${formatBytes(this.#queuedBytes)} (queue.maxBytes ${formatBytes(this.#maxBytes)})`,
        {
          hint: 'The store is overloaded; retry in a moment, lower the load, or raise queue.maxBytes.',
        },
      );
    }
    return undefined;
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

  // A waiting call reached the queue-wait limit, or its deadline if that came first.
  #expire(call: Waiting): void {
    if (!this.#waiting.delete(call)) return;
    const { lane, deadline } = call;
    lane.remove(call);
    this.#queuedBytes -= call.bytes;
    this.#rejected += 1;
    call.reject(
      call.deadlineBinds
        ? deadline.exceeded('queue')
        : new QueueTimeoutError(
            `waited ${formatDuration(this.#waitTimeoutMs)} in the ${lane.name} queue without a free slot`,
            { hint: 'The store is busy; retry in a moment, or raise queue.waitTimeoutMs.' },
          ),
    );
    this.#changed();
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

/** A call waiting in a lane, with its place among the queue-wait expiries. */
interface Waiting extends Waiter {
  /** What it is counted as holding while it waits. */
  readonly bytes: number;
  readonly lane: Lane;
  readonly deadline: Deadline;
  /** The caller's deadline comes before the queue-wait limit. */
  readonly deadlineBinds: boolean;
  expiry: Expiry | undefined;
}
