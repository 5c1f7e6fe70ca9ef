import type { Database } from '../db/database.js';
import type { Deadline } from '../resilience/deadline.js';

/** Reads and writes have separate limits on the resilience path. */
export type OperationKind = 'read' | 'write';

/** One call on the resilience path. */
export interface Operation {
  readonly kind: OperationKind;
  /** Short name for stats and errors, e.g. `get`, `maintain.purge`. */
  readonly name: string;
  readonly deadline: Deadline;
}

/** What the store needs from the resilience path (see src/resilience/operation-runner.ts). */
export interface StoreRunner {
  /** Run `fn` through deadline → queue → breaker → retry → timeout. */
  run<T>(op: Operation, fn: (db: Database) => Promise<T>): Promise<T>;
  /** Run `fn` alone: new calls wait while the ones in flight drain. */
  exclusive<T>(op: Operation, fn: (db: Database) => Promise<T>): Promise<T>;
  /** Stop accepting calls and drain the ones queued, within `deadline`. */
  close(deadline: Deadline): Promise<void>;
}
