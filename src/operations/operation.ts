import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import type { PgcacheConfig } from '../config/load-config.js';
import type { Deadline } from '../resilience/deadline.js';
import type { Store } from '../store/store.js';
import type { LiveFigures } from './live-figures.js';

/** Who asked for an operation: a process, and what it is (`pgcache stats`, an app). */
export interface Caller {
  readonly pid: number;
  /** Its application name: `pgcache stats` for a command, what the app set, or `pgcache`. */
  readonly name: string;
}

/** What an operation runs with: the owner's store, and what only the owner knows. */
export interface OperationContext {
  readonly store: Store;
  /**
   * The store's database handle, for what needs no statement: its description, connections and
   * footprint (never send it a statement: calls go through the store's resilience path).
   */
  readonly database: Database;
  /** The owner's configuration: its limits, quotas and timeouts apply to every caller. */
  readonly config: PgcacheConfig;
  readonly clock: Clock;
  readonly deadline: Deadline;
  /** Figures the owner keeps in memory, read without a database call. */
  readonly live: LiveFigures;
  /** Who asked: a process on the control socket, or the owner itself. */
  readonly caller: Caller;
  /** The control request this runs for (undefined when the owner calls it itself). */
  readonly requestId?: number | undefined;
  readonly onWarning?: ((message: string) => void) | undefined;
}

/**
 * One typed operation (get, set, list, stats, maintain, doctor's probes…): the one place its
 * report is built. It runs where the store is owned, for the owner itself or for a caller on the
 * control socket, by the same code. Its report is plain JSON (times as ISO strings), so that it
 * reaches a caller unchanged.
 */
export interface Operation<I, R> {
  /** What the control socket calls it, e.g. `get`. */
  readonly name: string;
  /** Read the input sent over the control socket; a malformed one is a usage error. */
  parseInput(raw: unknown): I;
  run(ctx: OperationContext, input: I): Promise<R>;
}
