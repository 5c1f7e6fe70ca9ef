import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { ClosedError, DeadlineExceededError, OperationTimeoutError } from '../errors/index.js';
import { Bulkhead, type BulkheadOptions, type OperationKind, type QueueStats } from './bulkhead.js';
import {
  CircuitBreaker,
  type BreakerSnapshot,
  type CircuitBreakerOptions,
} from './circuit-breaker.js';
import type { Deadline } from './deadline.js';
import { SupervisedDatabase, isProbeable, type SupervisorStats } from './instance-supervisor.js';
import { OperationTimeout } from './operation-timeout.js';
import { Retry, type RetryOptions, type RetryStats } from './retry.js';

/** One storage operation as the runner sees it. */
export interface Operation {
  /** Which queue it waits in. */
  readonly kind: OperationKind;
  /** Names it in error messages, e.g. `get` or `set`. */
  readonly name: string;
  /** When it must be finished by; every stage stops there. */
  readonly deadline: Deadline;
  /** Higher starts first among waiting operations of the same kind. @default 0 */
  readonly priority?: number;
  /**
   * Skip the breaker: for introspection (`stats`, `doctor`) that must work while the breaker is
   * open, since an open breaker nobody can see is the failure this layer exists to prevent.
   * @default false
   */
  readonly bypassBreaker?: boolean;
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
  #closing: Promise<void> | undefined;

  constructor(options: RunnerOptions, deps: RunnerDeps) {
    const { clock } = deps;
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
    if (this.#closing !== undefined) return Promise.reject(closedError(op));
    return this.#bulkhead.run(op.kind, op.deadline, () => this.#guarded(op, fn, undefined), {
      priority: op.priority ?? 0,
    });
  }

  /**
   * Like {@link run}, but alone: one at a time, with nothing else running. Its attempts are bound
   * by the deadline only (maintenance statements are long), and transient errors are retried.
   */
  exclusive<T>(op: Operation, fn: (db: Database) => Promise<T>): Promise<T> {
    if (this.#closing !== undefined) return Promise.reject(closedError(op));
    return this.#bulkhead.exclusive(op.deadline, () => this.#guarded(op, fn, Infinity));
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

  #guarded<T>(
    op: Operation,
    fn: (db: Database) => Promise<T>,
    timeoutMs: number | undefined,
  ): Promise<T> {
    const attempts = (): Promise<T> =>
      this.#retry.execute(op.deadline, () => this.#attempt(op, fn, timeoutMs));
    return op.bypassBreaker === true ? attempts() : this.breaker.execute(attempts);
  }

  async #attempt<T>(
    op: Operation,
    fn: (db: Database) => Promise<T>,
    timeoutMs: number | undefined,
  ): Promise<T> {
    try {
      const options = timeoutMs === undefined ? { name: op.name } : { name: op.name, timeoutMs };
      return await this.#timeout.run(op.deadline, () => fn(this.#database), options);
    } catch (error) {
      if (attemptTimedOut(error)) await this.#probe(op.deadline);
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

function closedError(op: Operation): ClosedError {
  return new ClosedError(`${op.name}: the store is closing`, {
    hint: 'Open the store again; it does not accept operations after close().',
  });
}
