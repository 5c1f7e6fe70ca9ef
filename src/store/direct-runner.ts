import type { Database } from '../db/database.js';
import type { Deadline } from '../resilience/deadline.js';
import type { Operation, StoreRunner } from './store-runner.js';

/** Temporary: runs operations straight on the database until the resilience path lands. */
export class DirectRunner implements StoreRunner {
  readonly #db: Database;
  constructor(db: Database) {
    this.#db = db;
  }
  run<T>(op: Operation, fn: (db: Database) => Promise<T>): Promise<T> {
    op.deadline.check('queue');
    return fn(this.#db);
  }
  exclusive<T>(op: Operation, fn: (db: Database) => Promise<T>): Promise<T> {
    return this.run(op, fn);
  }
  async close(_deadline: Deadline): Promise<void> {}
}
