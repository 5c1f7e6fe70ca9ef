import type { Clock, Timer } from '../clock.js';
import type {
  ConnectionStats,
  Database,
  DatabaseInfo,
  DiskFootprint,
  QueryResult,
  RowDecoder,
  Transaction,
} from '../db/database.js';
import { isPoisonError, translateDriverError } from '../db/sql-errors.js';
import {
  ClosedError,
  InstanceRestartedError,
  StoreUnavailableError,
  type PgcacheError,
} from '../errors/index.js';

/** A database instance that can be dropped without waiting for it (the embedded adapter). */
export type ReplaceableDatabase = Database & {
  abandon(): void;
  /** True when the instance runs in a thread of its own (an embedded database's `thread`). */
  readonly threaded?: boolean;
  /** Calls completed so far: one that keeps rising while a probe waits is busy, not hung. */
  progress?(): number;
};

/** Options for {@link SupervisedDatabase}. */
export interface SupervisorOptions {
  /** How long a replaced instance may take to close before it is abandoned. @default 1000 */
  readonly retireGraceMs?: number;
}

/** What {@link SupervisedDatabase} needs injected. */
export interface SupervisorDeps {
  /** Opens an instance on the store's data directory (the lock is already held). */
  readonly open: () => Promise<ReplaceableDatabase>;
  /** Times probes and the retire grace period. */
  readonly clock: Clock;
}

/** What a {@link ProbeableDatabase.probe} found. */
export type ProbeOutcome = 'healthy' | 'restarted' | 'restarting' | 'unavailable' | 'closed';

/** A database that can be asked whether it still answers, and replaced when it does not. */
export interface ProbeableDatabase extends Database {
  /** Run `SELECT 1`; an instance silent for `timeoutMs`, or crashed, is replaced. */
  probe(timeoutMs: number): Promise<ProbeOutcome>;
}

/** True when `db` can be probed after an operation timeout. */
export function isProbeable(db: Database): db is ProbeableDatabase {
  return typeof (db as Partial<ProbeableDatabase>).probe === 'function';
}

/** Figures of a {@link SupervisedDatabase} since it was opened. */
export interface SupervisorStats {
  readonly state: 'open' | 'reopening' | 'down' | 'closed';
  /** PGlite runs in a thread of its own (`openStore({ thread: true })`, serve), not the caller's. */
  readonly thread: boolean;
  /** Instances opened so far, the first included. */
  readonly generation: number;
  /** Instances opened to replace a discarded one. */
  readonly restarts: number;
  /** Instances discarded, by reason. */
  readonly abandoned: number;
  readonly crashes: number;
  readonly hangs: number;
  /** Calls in flight on a discarded instance, failed with `InstanceRestartedError`. */
  readonly failedInFlight: number;
  /** Reopens that failed (surfaced as `StoreUnavailableError`). */
  readonly failedOpens: number;
}

interface Instance {
  readonly db: ReplaceableDatabase;
  /** 1 for the first instance, then one more for each replacement. */
  readonly generation: number;
  /** Rejecters of the calls running on this instance. */
  readonly inFlight: Set<(error: Error) => void>;
}

// The supervisor's state machine.
type SupervisorState =
  | { readonly kind: 'open'; readonly instance: Instance }
  | { readonly kind: 'reopening'; readonly next: Promise<Instance | PgcacheError> }
  | { readonly kind: 'down' }
  | { readonly kind: 'closed' };

type Reason = 'crashed' | 'hung';

/** Open the first instance and supervise it; the caller closes the result. */
export async function openSupervisedDatabase(
  deps: SupervisorDeps,
  options: SupervisorOptions = {},
): Promise<SupervisedDatabase> {
  return new SupervisedDatabase(await deps.open(), deps, options);
}

/**
 * The embedded store behind a replaceable instance. A call that fails with a poison error (a WASM
 * abort or trap) discards the instance and opens a new one on the same data directory, once for
 * any number of concurrent failures: that call fails with `InstanceCrashedError`, the other calls
 * in flight on the old instance with `InstanceRestartedError` (transient: retried on the new one),
 * and later calls wait for the new instance. {@link probe} does the same for an instance that
 * stopped answering. A reopen that fails surfaces as `StoreUnavailableError`; the next call tries
 * again. Only one instance is open at a time: the old one is closed (or, after a grace period,
 * abandoned) before the next is opened.
 */
export class SupervisedDatabase implements ProbeableDatabase {
  readonly #deps: SupervisorDeps;
  readonly #retireGraceMs: number;
  #state: SupervisorState;
  #info: DatabaseInfo;
  readonly #threaded: boolean;
  #closing: Promise<void> | undefined;
  #probing: Promise<ProbeOutcome> | undefined;
  #generation = 1;
  #crashes = 0;
  #hangs = 0;
  #failedInFlight = 0;
  #failedOpens = 0;

  constructor(first: ReplaceableDatabase, deps: SupervisorDeps, options: SupervisorOptions = {}) {
    this.#deps = deps;
    this.#retireGraceMs = options.retireGraceMs ?? 1000;
    this.#state = { kind: 'open', instance: { db: first, generation: 1, inFlight: new Set() } };
    this.#info = first.describe();
    this.#threaded = first.threaded === true;
  }

  get closed(): boolean {
    return this.#state.kind === 'closed';
  }

  query<R = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<R>> {
    return this.#call('query', (db) => db.query<R>(sql, params));
  }

  queryDecoded<R>(
    sql: string,
    params: readonly unknown[],
    decode: RowDecoder<R>,
  ): Promise<QueryResult<R>> {
    return this.#call('query', (db) => db.queryDecoded(sql, params, decode));
  }

  exec(sql: string): Promise<void> {
    return this.#call('exec', (db) => db.exec(sql));
  }

  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.#call('transaction', (db) => db.transaction(fn));
  }

  describe(): DatabaseInfo {
    return this.#info;
  }

  connections(): ConnectionStats {
    if (this.#state.kind === 'open') return this.#state.instance.db.connections();
    return { open: 0, active: 0, idle: 0, waiting: 0 };
  }

  footprint(): Promise<DiskFootprint> {
    return this.#call('footprint', (db) => db.footprint());
  }

  /**
   * Check that the current instance answers `SELECT 1` within `timeoutMs`; replace it when it is
   * silent or crashed. Concurrent probes share one check.
   */
  probe(timeoutMs: number): Promise<ProbeOutcome> {
    this.#probing ??= this.#probe(timeoutMs).finally(() => (this.#probing = undefined));
    return this.#probing;
  }

  /** Close the current instance (waiting for its calls); idempotent. Later calls get `E_CLOSED`. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /** The generation of the instance open now (1 for the first; a replacement adds one). */
  get generation(): number {
    return this.#generation;
  }

  /**
   * Run `fn` on the current instance (waiting for a reopen in progress), with the crash handling
   * of every call: `serve` sends its wire clients' messages this way. `fn` learns the instance's
   * generation, so that a client whose session began on a discarded instance can be told.
   */
  withInstance<T>(
    operation: string,
    fn: (db: ReplaceableDatabase, generation: number) => Promise<T>,
  ): Promise<T> {
    return this.#call(operation, fn);
  }

  /** Instances opened and discarded, and calls failed because of it. */
  stats(): SupervisorStats {
    return {
      state: this.#state.kind,
      thread: this.#threaded,
      generation: this.#generation,
      restarts: this.#generation - 1,
      abandoned: this.#crashes + this.#hangs,
      crashes: this.#crashes,
      hangs: this.#hangs,
      failedInFlight: this.#failedInFlight,
      failedOpens: this.#failedOpens,
    };
  }

  #call<T>(
    operation: string,
    run: (db: ReplaceableDatabase, generation: number) => Promise<T>,
  ): Promise<T> {
    // The open instance is taken without an extra await: this is every call's hot path.
    const state = this.#state;
    if (state.kind === 'open') return this.#track(operation, state.instance, run);
    return this.#acquire(operation).then((instance) => this.#track(operation, instance, run));
  }

  async #acquire(operation: string): Promise<Instance> {
    for (;;) {
      const state = this.#state;
      switch (state.kind) {
        case 'open':
          return state.instance;
        case 'closed':
          throw closedError(operation);
        case 'down':
          this.#state = { kind: 'reopening', next: this.#reopen(undefined) };
          break;
        case 'reopening': {
          const outcome = await state.next;
          if (outcome instanceof Error) throw outcome;
          break;
        }
      }
    }
  }

  // Run a call on `instance`, failing it at once if the instance is discarded meanwhile; a poison
  // error (the instance crashed) discards it.
  #track<T>(
    operation: string,
    instance: Instance,
    run: (db: ReplaceableDatabase, generation: number) => Promise<T>,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      instance.inFlight.add(reject);
      let running: Promise<T>;
      try {
        running = run(instance.db, instance.generation);
      } catch (error) {
        running = Promise.reject(error);
      }
      running.then(
        (value) => {
          if (instance.inFlight.delete(reject)) resolve(value);
        },
        (error: unknown) => {
          if (!instance.inFlight.delete(reject)) return;
          if (!isPoisonError(error)) return reject(error);
          this.#replace(instance, 'crashed');
          reject(translateDriverError(error, operation));
        },
      );
    });
  }

  #replace(instance: Instance, reason: Reason): void {
    if (this.#state.kind !== 'open' || this.#state.instance !== instance) return;
    if (reason === 'crashed') this.#crashes += 1;
    else this.#hangs += 1;
    const why = reason === 'crashed' ? 'another call crashed it' : 'it stopped answering';
    const error = new InstanceRestartedError(
      `the embedded database was replaced while this call ran on it (${why})`,
      { hint: 'Retry the command; it runs on the new instance.' },
    );
    for (const reject of instance.inFlight) reject(error);
    this.#failedInFlight += instance.inFlight.size;
    instance.inFlight.clear();
    this.#state = { kind: 'reopening', next: this.#reopen(instance) };
  }

  async #reopen(old: Instance | undefined): Promise<Instance | PgcacheError> {
    if (old !== undefined) await this.#retire(old);
    if (this.closed) return closedError('reopen');
    let db: ReplaceableDatabase;
    try {
      db = await this.#deps.open();
    } catch (error) {
      this.#failedOpens += 1;
      const failure = unavailable(error);
      if (!this.closed) this.#state = { kind: 'down' };
      return failure;
    }
    if (this.closed) {
      await db.close();
      return closedError('reopen');
    }
    this.#generation += 1;
    this.#info = db.describe();
    const instance: Instance = { db, generation: this.#generation, inFlight: new Set() };
    this.#state = { kind: 'open', instance };
    return instance;
  }

  // Close a discarded instance, giving up after the grace period: a hung one never closes.
  async #retire(old: Instance): Promise<void> {
    let timer: Timer | undefined;
    const closed = await Promise.race([
      old.db.close().then(
        () => true,
        () => true,
      ),
      new Promise<false>((resolve) => {
        timer = this.#deps.clock.setTimer(this.#retireGraceMs, () => resolve(false));
      }),
    ]);
    timer?.cancel();
    if (!closed) old.db.abandon();
  }

  async #probe(timeoutMs: number): Promise<ProbeOutcome> {
    const state = this.#state;
    switch (state.kind) {
      case 'closed':
        return 'closed';
      case 'down':
        return 'unavailable';
      case 'reopening':
        return 'restarting';
      case 'open':
        break;
    }
    const { instance } = state;
    const progressBefore = instance.db.progress?.();
    let timer: Timer | undefined;
    const outcome = await Promise.race([
      instance.db.query('SELECT 1').then(
        () => 'answered' as const,
        (error: unknown) => error,
      ),
      new Promise<'silent'>((resolve) => {
        timer = this.#deps.clock.setTimer(timeoutMs, () => resolve('silent'));
      }),
    ]);
    timer?.cancel();
    if (outcome === 'answered') return 'healthy';
    // Silent to the probe but answering others (a wire client of serve inside a long
    // transaction keeps the probe waiting): busy, not hung.
    if (outcome === 'silent' && progressBefore !== instance.db.progress?.()) return 'healthy';
    if (outcome === 'silent') this.#replace(instance, 'hung');
    else if (isPoisonError(outcome) || outcome instanceof ClosedError) {
      this.#replace(instance, 'crashed');
    } else if (!(outcome instanceof InstanceRestartedError)) return 'healthy';
    return 'restarted';
  }

  async #shutdown(): Promise<void> {
    const previous = this.#state;
    this.#state = { kind: 'closed' };
    switch (previous.kind) {
      case 'open':
        await previous.instance.db.close();
        return;
      case 'reopening':
        // #reopen sees the closed state and closes whatever it opens.
        await previous.next;
        return;
      case 'down':
      case 'closed':
        return;
    }
  }
}

function closedError(operation: string): ClosedError {
  return new ClosedError(`${operation} on a closed database`, {
    hint: 'Open the store again; a handle cannot be used after close().',
  });
}

function unavailable(error: unknown): PgcacheError {
  if (error instanceof StoreUnavailableError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new StoreUnavailableError(`cannot reopen the embedded database: ${message}`, {
    cause: error,
    hint: 'The next call tries again; run `pgcache doctor` if this keeps happening.',
  });
}
