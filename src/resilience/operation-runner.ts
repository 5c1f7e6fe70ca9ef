import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { ClosedError, DeadlineExceededError, OperationTimeoutError } from '../errors/index.js';
import type { BulkheadOptions, OperationKind, QueueStats } from './bulkhead-options.js';
import { Bulkhead } from './bulkhead.js';
import {
  CircuitBreaker,
  type BreakerSnapshot,
  type CircuitBreakerOptions,
} from './circuit-breaker.js';
import type { Deadline } from './deadline.js';
import { SupervisedDatabase, isProbeable, type SupervisorStats } from './instance-supervisor.js';
import { OperationTimeout } from './operation-timeout.js';
import { Retry, type RetryOptions, type RetryStats } from './retry.js';

/**
 * What the runner needs to know about a kind of operation, apart from its deadline: made once
 * per operation (`get`, `set`…) and reused by every call, so that a call allocates no options.
 */
export interface Route {
  /** Which queue it waits in. */
  readonly kind: OperationKind;
  /** Names it in error messages, e.g. `get` or `set`. */
  readonly name: string;
  /** Higher starts first among waiting operations of the same kind. @default 0 */
  readonly priority?: number;
  /**
   * Skip the breaker: for introspection (`stats`, `doctor`) that must work while the breaker is
   * open, since an open breaker nobody can see is the failure this layer exists to prevent.
   * @default false
   */
  readonly bypassBreaker?: boolean;
}

/** One storage operation as the runner sees it. */
export interface Operation extends Route {
  /** When it must be finished by; every stage stops there. */
  readonly deadline: Deadline;
}

/** Figures of a runner for `stats`. */
export interface RunnerStats {
  readonly queue: QueueStats;
  readonly breakers: readonly BreakerSnapshot[];
  readonly retries: RetryStats;
  /** Restarts of the embedded instance, when the database is a {@link SupervisedDatabase}. */
  readonly instance?: SupervisorStats;
}

/** Runs storage operations along the resilience path. */
export interface OperationRunner {
  /** deadline → queue → breaker → retry → timeout → `fn(db)`. `fn` may run more than once. */
  run<T>(op: Operation, fn: (db: Database) => Promise<T>): Promise<T>;
  /**
   * The same as {@link run} for `fn(db, arg)`: with a route made once and a function that takes
   * its argument, a call needs no closure and no options object.
   */
  call<A, T>(
    route: Route,
    deadline: Deadline,
    fn: (db: Database, arg: A) => Promise<T>,
    arg: A,
    /** The data `arg` carries (a write's values), counted against the queue's memory bound. */
    bytes?: number,
  ): Promise<T>;
  /** Hold every other operation back, wait for running ones, run `fn` alone (VACUUM), resume. */
  exclusive<T>(op: Operation, fn: (db: Database) => Promise<T>): Promise<T>;
  stats(): RunnerStats;
  readonly breaker: CircuitBreaker;
  /** Stop accepting operations (`E_CLOSED`) and let queued ones finish within `deadline`. */
  close(deadline: Deadline): Promise<void>;
}

/**
 * Options for {@link ResilientRunner}: the `operationTimeoutMs`, `queue`, `retry` and `breaker`
 * parts of the resolved configuration (`PgcacheConfig`) fit as they are.
 */
export interface RunnerOptions {
  /** Longest one attempt may take. @default 5000 */
  readonly operationTimeoutMs?: number;
  /** The bulkhead's limits. @default the {@link BulkheadOptions} defaults */
  readonly queue?: BulkheadOptions;
  /** Retries of transient errors. @default the {@link RetryOptions} defaults */
  readonly retry?: RetryOptions;
  /** The store's breaker. @default the {@link CircuitBreakerOptions} defaults */
  readonly breaker?: CircuitBreakerOptions;
}

/** What {@link ResilientRunner} needs injected. */
export interface RunnerDeps {
  /** The store's database; a {@link SupervisedDatabase} is probed after an attempt times out. */
  readonly database: Database;
  readonly clock: Clock;
  /** Backoff jitter in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** A persisted `breaker.toJSON()` to resume from. */
  readonly breakerInitialState?: unknown;
}

// run(op, fn) as call(op, deadline, callWithDatabase, fn): the function is its own argument.
function callWithDatabase<T>(db: Database, fn: (db: Database) => Promise<T>): Promise<T> {
  return fn(db);
}

// `fn(db, arg)` as a promise, even when it throws before returning one.
function invoke<A, T>(db: Database, fn: (db: Database, arg: A) => Promise<T>, arg: A): Promise<T> {
  try {
    return fn(db, arg);
  } catch (error) {
    return Promise.reject(error);
  }
}

const attemptTimedOut = (error: unknown): boolean =>
  error instanceof OperationTimeoutError ||
  (error instanceof DeadlineExceededError && error.stage === 'attempt');

/**
 * The resilience path every storage operation takes: its deadline, the bulkhead, the breaker,
 * retries of transient errors and a per-attempt timeout, then the database. When an attempt
 * times out and the database can be probed, the runner asks it whether the instance still
 * answers (so a hung instance is replaced before the retry), waiting no longer than the deadline.
 */
export class ResilientRunner implements OperationRunner {
  readonly breaker: CircuitBreaker;
  readonly #database: Database;
  readonly #bulkhead: Bulkhead;
  readonly #retry: Retry;
  readonly #timeout: OperationTimeout;
  readonly #clock: Clock;
  #closing: Promise<void> | undefined;

  constructor(options: RunnerOptions, deps: RunnerDeps) {
    const { clock } = deps;
    this.#clock = clock;
    this.#database = deps.database;
    this.#bulkhead = new Bulkhead(options.queue ?? {}, { clock });
    this.breaker = new CircuitBreaker(options.breaker ?? {}, {
      clock,
      initialState: deps.breakerInitialState,
    });
    this.#retry = new Retry(options.retry ?? {}, { clock, random: deps.random ?? Math.random });
    this.#timeout = new OperationTimeout({ timeoutMs: options.operationTimeoutMs }, { clock });
  }

  run<T>(op: Operation, fn: (db: Database) => Promise<T>): Promise<T> {
    return this.call(op, op.deadline, callWithDatabase, fn);
  }

  call<A, T>(
    route: Route,
    deadline: Deadline,
    fn: (db: Database, arg: A) => Promise<T>,
    arg: A,
    bytes = 0,
  ): Promise<T> {
    if (this.#closing !== undefined) return Promise.reject(closedError(route));
    // A free slot and nobody waiting: no queue at all (the same limits and order as queueing).
    if (this.#bulkhead.enter(route.kind)) return this.#direct(route, deadline, fn, arg);
    return this.#bulkhead.run(
      route.kind,
      deadline,
      () => this.#guarded(route, deadline, fn, arg, undefined),
      route,
      bytes,
    );
  }

  /**
   * Like {@link run}, but alone: one at a time, with nothing else running. Its attempts are bound
   * by the deadline only (maintenance statements are long), and transient errors are retried.
   */
  exclusive<T>(op: Operation, fn: (db: Database) => Promise<T>): Promise<T> {
    if (this.#closing !== undefined) return Promise.reject(closedError(op));
    return this.#bulkhead.exclusive(op.deadline, () =>
      this.#guarded(op, op.deadline, callWithDatabase, fn, Infinity),
    );
  }

  stats(): RunnerStats {
    const stats = {
      queue: this.#bulkhead.stats(),
      breakers: [this.breaker.snapshot()],
      retries: this.#retry.stats(),
    };
    const db = this.#database;
    return db instanceof SupervisedDatabase ? { ...stats, instance: db.stats() } : stats;
  }

  /**
   * Reject new operations with `E_CLOSED` and wait for queued and running ones until `deadline`;
   * calls still waiting then are rejected with `E_CLOSED` (running ones cannot be stopped).
   * Idempotent. The database is not closed: whoever opened it closes it.
   */
  close(deadline: Deadline): Promise<void> {
    this.#closing ??= (async () => {
      const drained = await this.#bulkhead.drain(deadline);
      // Calls still running keep their timeouts: each ends by its own deadline, then the timer.
      if (drained) {
        this.#timeout.dispose();
        return;
      }
      this.#bulkhead.rejectWaiting(
        new ClosedError('the store closed before this operation left the queue', {
          hint: 'Retry the command once the store is open again.',
        }),
      );
    })();
    return this.#closing;
  }

  // A call in a slot taken with bulkhead.enter(): give the slot back when it settles.
  async #direct<A, T>(
    route: Route,
    deadline: Deadline,
    fn: (db: Database, arg: A) => Promise<T>,
    arg: A,
  ): Promise<T> {
    const startedAt = this.#clock.now();
    let ok = false;
    try {
      const value = await this.#guarded(route, deadline, fn, arg, undefined);
      ok = true;
      return value;
    } finally {
      this.#bulkhead.leave(route.kind, startedAt, ok);
    }
  }

  // breaker → retry → timeout → fn. With the breaker closed (a field read) the first attempt runs
  // straight away and the outcome is reported to the breaker afterwards; otherwise cockatiel
  // decides whether the call may run at all.
  async #guarded<A, T>(
    route: Route,
    deadline: Deadline,
    fn: (db: Database, arg: A) => Promise<T>,
    arg: A,
    timeoutMs: number | undefined,
  ): Promise<T> {
    const breaker = route.bypassBreaker === true ? undefined : this.breaker;
    if (breaker !== undefined && !breaker.closed) {
      return breaker.execute(() =>
        this.#retry.execute(deadline, () => this.#attempt(route, deadline, fn, arg, timeoutMs)),
      );
    }
    let value: T;
    try {
      value = await this.#attempt(route, deadline, fn, arg, timeoutMs);
    } catch (error) {
      value = await this.#recover(breaker, error, route, deadline, fn, arg, timeoutMs);
    }
    breaker?.succeeded();
    return value;
  }

  // The first attempt failed: retry while it may, and report a final failure to the breaker.
  async #recover<A, T>(
    breaker: CircuitBreaker | undefined,
    error: unknown,
    route: Route,
    deadline: Deadline,
    fn: (db: Database, arg: A) => Promise<T>,
    arg: A,
    timeoutMs: number | undefined,
  ): Promise<T> {
    try {
      return await this.#retry.retryAfter(error, 1, deadline, () =>
        this.#attempt(route, deadline, fn, arg, timeoutMs),
      );
    } catch (final) {
      await breaker?.failed(final);
      throw final;
    }
  }

  async #attempt<A, T>(
    route: Route,
    deadline: Deadline,
    fn: (db: Database, arg: A) => Promise<T>,
    arg: A,
    timeoutMs: number | undefined,
  ): Promise<T> {
    try {
      if (deadline.remaining() <= 0) throw deadline.exceeded('attempt');
      return await this.#timeout.race(
        deadline,
        invoke(this.#database, fn, arg),
        route.name,
        timeoutMs,
      );
    } catch (error) {
      if (attemptTimedOut(error)) await this.#probe(deadline);
      throw error;
    }
  }

  // Ask a probeable database whether it still answers; wait for the verdict within the deadline.
  async #probe(deadline: Deadline): Promise<void> {
    const db = this.#database;
    if (!isProbeable(db)) return;
    const verdict = db.probe(this.#timeout.timeoutMs);
    verdict.catch(() => undefined);
    await this.#timeout
      .run(deadline, () => verdict, { timeoutMs: Infinity })
      .catch(() => undefined);
  }
}

function closedError(route: Route): ClosedError {
  return new ClosedError(`${route.name}: the store is closing`, {
    hint: 'Open the store again; it does not accept operations after close().',
  });
}
