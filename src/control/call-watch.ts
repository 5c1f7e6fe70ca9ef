import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import type { StuckCall } from '../operations/live-figures.js';
import type { CircuitBreaker } from '../resilience/circuit-breaker.js';
import type { Deadline } from '../resilience/deadline.js';
import type {
  Operation,
  OperationRunner,
  Route,
  RunnerStats,
} from '../resilience/operation-runner.js';

/**
 * Wraps a store's runner to remember when each call started, so that health can say a call has
 * not returned past the operation timeout: answered from memory while the store hangs. Exclusive
 * sections (VACUUM, index builds) are bound by their deadline only and are not judged. It also
 * counts the calls by name, for the owner's operations per second.
 */
export class CallWatch implements OperationRunner {
  readonly #inner: OperationRunner;
  readonly #clock: Clock;
  readonly #limitMs: number;
  readonly #running = new Map<number, { readonly name: string; readonly startedAt: number }>();
  readonly #calls = new Map<string, number>();
  #nextId = 0;

  constructor(inner: OperationRunner, deps: { clock: Clock; operationTimeoutMs: number }) {
    this.#inner = inner;
    this.#clock = deps.clock;
    this.#limitMs = deps.operationTimeoutMs;
  }

  get breaker(): CircuitBreaker {
    return this.#inner.breaker;
  }

  run<T>(op: Operation, fn: (db: Database) => Promise<T>): Promise<T> {
    this.#count(op.name);
    const id = this.#nextId++;
    this.#running.set(id, { name: op.name, startedAt: this.#clock.now() });
    const done = (): void => void this.#running.delete(id);
    const call = this.#inner.run(op, fn);
    call.then(done, done);
    return call;
  }

  call<A, T>(
    route: Route,
    deadline: Deadline,
    fn: (db: Database, arg: A) => Promise<T>,
    arg: A,
    bytes?: number,
  ): Promise<T> {
    this.#count(route.name);
    return this.#watch(route.name, this.#inner.call(route, deadline, fn, arg, bytes));
  }

  exclusive<T>(op: Operation, fn: (db: Database) => Promise<T>): Promise<T> {
    this.#count(op.name);
    return this.#inner.exclusive(op, fn);
  }

  /** Calls started since the store was opened, by name (`get`, `set`, `maintain.purge`…). */
  calls(): ReadonlyMap<string, number> {
    return this.#calls;
  }

  #count(name: string): void {
    this.#calls.set(name, (this.#calls.get(name) ?? 0) + 1);
  }

  // Remember `call` as running until it settles (no closure: the hot path's calls come here).
  async #watch<T>(name: string, call: Promise<T>): Promise<T> {
    const id = this.#nextId++;
    this.#running.set(id, { name, startedAt: this.#clock.now() });
    try {
      return await call;
    } finally {
      this.#running.delete(id);
    }
  }

  stats(): RunnerStats {
    return this.#inner.stats();
  }

  close(deadline: Deadline): Promise<void> {
    return this.#inner.close(deadline);
  }

  /** The oldest call running longer than the operation timeout, if any. */
  stuck(): StuckCall | undefined {
    const now = this.#clock.now();
    let oldest: { name: string; startedAt: number } | undefined;
    for (const call of this.#running.values()) {
      if (oldest === undefined || call.startedAt < oldest.startedAt) oldest = call;
    }
    if (oldest === undefined || now - oldest.startedAt <= this.#limitMs) return undefined;
    return { name: oldest.name, runningMs: now - oldest.startedAt };
  }
}
