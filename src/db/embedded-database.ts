import { join } from 'node:path';
import { ClosedError, NestedTransactionError, StoreUnavailableError } from '../errors/index.js';
import type {
  ConnectionStats,
  Database,
  DatabaseInfo,
  DiskFootprint,
  QueryResult,
  RowDecoder,
  Transaction,
} from './database.js';
import { DatabaseThread } from './database-thread.js';
import { directorySize } from './directory-size.js';
import { registerHandle } from './handle-registry.js';
import { InProcessPGlite } from './in-process-pglite.js';
import { Answer } from './pglite-channel.js';
import { PGLITE_VERSION } from './pglite-version.js';
import { ProtocolStateTracker, type ProtocolState } from './protocol-state.js';
import { SessionGate } from './session-gate.js';
import { translateDriverError } from './sql-errors.js';
import type { PGliteLink } from './thread-protocol.js';
import { TransactionScope } from './transaction-scope.js';

/** Options for {@link openEmbeddedDatabase}. */
export interface EmbeddedDatabaseOptions {
  /** Directory PGlite keeps its files in; created when missing. */
  readonly pgDataDir: string;
  /** WAL kept between checkpoints; PGlite has no checkpointer, so keep it small. @default '64MB' */
  readonly maxWalSize?: string;
  /** What `describe()` reports as the location. @default pgDataDir */
  readonly location?: string;
  /** Longest `close()` waits for statements in flight before it abandons them. @default 5000 */
  readonly closeTimeoutMs?: number;
  /**
   * Run PGlite in a worker thread of its own: a statement then never stops the caller's event
   * loop, a hung one can be terminated, and a poisoned instance cannot abort the process; each
   * call costs two thread wake-ups (tens of microseconds). `false` runs it in the caller's thread.
   * @default false
   */
  readonly thread?: boolean;
}

/** Options of one {@link EmbeddedDatabase.execProtocol} call. */
export interface ExecProtocolOptions {
  /**
   * Keep the session for the same wire client afterwards even when it is idle, because more of
   * its messages must follow before anyone else may use it (pgcache's own reset after a client's
   * transaction). @default false
   */
  readonly keep?: boolean;
}

// Marks the async context of a transaction callback, so that a call on the outer handle from
// inside it fails at once instead of waiting for ever for the transaction to end.
const transactionScope = new TransactionScope<EmbeddedDatabase>();

// A statement's rows as its decoder builds them from the raw answer the thread sent back: the
// values are decoded once, here, from their text.
function decodeAnswer<R>(bytes: Uint8Array, decode: RowDecoder<R>): QueryResult<R> {
  const rows: R[] = [];
  const affectedRows = new Answer(bytes).decodeRows([], decode, rows);
  return { rows, affectedRows };
}

/**
 * Open (or create) a PGlite data directory, in a thread of its own or in the caller's. The caller
 * owns the result and must `close()` it; the data-directory lock is taken by the caller before
 * this is called.
 */
export async function openEmbeddedDatabase(
  options: EmbeddedDatabaseOptions,
): Promise<EmbeddedDatabase> {
  const open = { pgDataDir: options.pgDataDir, maxWalSize: options.maxWalSize ?? '64MB' };
  let link: PGliteLink;
  try {
    link = await (options.thread === true
      ? DatabaseThread.start(open)
      : InProcessPGlite.start(open));
  } catch (error) {
    throw new StoreUnavailableError(
      `cannot open the embedded database in ${options.pgDataDir}: ${(error as Error).message}`,
      { cause: error, hint: 'Run `pgcache doctor` to check the data directory.' },
    );
  }
  return new EmbeddedDatabase(
    link,
    options.pgDataDir,
    options.closeTimeoutMs ?? 5000,
    options.location,
  );
}

/**
 * The PGlite adapter of the {@link Database} port. PGlite runs behind a {@link PGliteLink}: in a
 * thread of its own (a statement blocks that thread, never the caller's event loop) or in the
 * caller's thread (see src/db/thread-protocol.ts).
 */
export class EmbeddedDatabase implements Database {
  readonly #pglite: PGliteLink;
  readonly #location: string;
  readonly #label: string;
  readonly #unregister: () => void;
  readonly #closeTimeoutMs: number;
  readonly #inFlight = new Set<Promise<unknown>>();
  // Whatever a wire client of `serve` did to the session (a setting changed inside a function,
  // a temporary table) is undone before the store's next statement.
  readonly #gate = new SessionGate(async () => {
    await this.#pglite.call({ op: 'exec', sql: 'RESET ALL; DISCARD TEMP' });
  });
  #completed = 0;
  #nextTransaction = 1;
  #closing: Promise<void> | undefined;

  constructor(pglite: PGliteLink, location: string, closeTimeoutMs = 5000, label = location) {
    this.#pglite = pglite;
    this.#location = location;
    this.#label = label;
    this.#closeTimeoutMs = closeTimeoutMs;
    this.#unregister = registerHandle({ kind: 'embedded', location, openedAt: Date.now() });
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** True when PGlite runs in a thread of its own. */
  get threaded(): boolean {
    return this.#pglite instanceof DatabaseThread;
  }

  /** True once PGlite's instance has ended: closed, abandoned, or dead. */
  get stopped(): boolean {
    return this.#pglite.exited;
  }

  /** Store calls waiting while a wire client has the session. */
  get storeWaiting(): number {
    return this.#gate.storeWaiting;
  }

  /** Calls (store calls and wire messages) that have settled so far. */
  progress(): number {
    return this.#completed;
  }

  query<R = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
  ): Promise<QueryResult<R>> {
    return this.#store('query', () =>
      this.#pglite.call<QueryResult<R>>({ op: 'query', sql, params: [...params] }),
    );
  }

  queryDecoded<R>(
    sql: string,
    params: readonly unknown[],
    decode: RowDecoder<R>,
  ): Promise<QueryResult<R>> {
    return this.#store('query', async () =>
      decodeAnswer(
        await this.#pglite.call<Uint8Array>({ op: 'decoded', sql, params: [...params] }),
        decode,
      ),
    );
  }

  exec(sql: string): Promise<void> {
    return this.#store('exec', () => this.#pglite.call<void>({ op: 'exec', sql }));
  }

  /**
   * Send raw protocol messages of a `serve` wire client, alone on the session (see
   * {@link SessionGate}), and hand the answer to `onData`. Resolves to where the client's session
   * stands afterwards: anything but `idle` (or `keep`) keeps the store's own calls waiting until a
   * later message of the wire side releases it (an empty `message` only releases it).
   */
  execProtocol(
    message: Uint8Array,
    onData: (chunk: Uint8Array) => void,
    options: ExecProtocolOptions = {},
  ): Promise<ProtocolState> {
    return this.#track('wire message', () =>
      this.#gate.runWire(async () => {
        // Nothing to send: only a release of the session the wire side kept.
        if (message.length === 0) return { value: 'idle' as const, hold: options.keep === true };
        const answer = await this.#pglite.call<Uint8Array>({ op: 'protocol', message });
        const tracker = new ProtocolStateTracker(message);
        tracker.push(answer);
        onData(answer);
        const state = tracker.state();
        return { value: state, hold: options.keep === true || state !== 'idle' };
      }),
    );
  }

  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.#store('transaction', async () => {
      const id = this.#nextTransaction++;
      await this.#pglite.call({ op: 'begin', tx: id });
      const tx: Transaction = {
        inTransaction: true,
        query: <R>(sql: string, params: readonly unknown[] = []) =>
          this.#inTransaction(
            this.#pglite.call<QueryResult<R>>({ op: 'query', sql, params: [...params], tx: id }),
          ),
        queryDecoded: async <R>(sql: string, params: readonly unknown[], decode: RowDecoder<R>) =>
          decodeAnswer(
            await this.#inTransaction(
              this.#pglite.call<Uint8Array>({ op: 'decoded', sql, params: [...params], tx: id }),
            ),
            decode,
          ),
        exec: (sql: string) =>
          this.#inTransaction(this.#pglite.call<void>({ op: 'exec', sql, tx: id })),
      };
      let result: T;
      try {
        result = await transactionScope.run(this, () => fn(tx));
      } catch (error) {
        await this.#pglite.call({ op: 'end', tx: id, commit: false }).catch(() => undefined);
        throw error;
      }
      await this.#pglite.call({ op: 'end', tx: id, commit: true });
      return result;
    });
  }

  describe(): DatabaseInfo {
    return { kind: 'embedded', location: this.#label, engine: `PGlite ${PGLITE_VERSION}` };
  }

  footprint(): Promise<DiskFootprint> {
    return Promise.resolve({
      onDiskBytes: directorySize(this.#location),
      walBytes: directorySize(join(this.#location, 'pg_wal')),
    });
  }

  connections(): ConnectionStats {
    const open = this.closed ? 0 : 1;
    const active = Math.min(open, this.#inFlight.size);
    return { open, active, idle: open - active, waiting: Math.max(0, this.#inFlight.size - 1) };
  }

  /**
   * Wait (up to the close timeout) for statements already issued, then close PGlite and end its
   * thread. Idempotent: later calls return the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#gate.close(this.#closedError('close'));
      const settled = await this.#within(Promise.allSettled([...this.#inFlight]));
      // A statement that never settled means a hung instance: its close() would hang too.
      if (settled) await this.#within(this.#pglite.call({ op: 'close' }).catch(() => undefined));
      this.#pglite.terminate();
      this.#unregister();
    })();
    return this.#closing;
  }

  /**
   * Drop a hung or crashed instance without waiting for it: its thread is terminated, whatever it
   * is running (closing a poisoned instance could abort the process itself).
   */
  abandon(): void {
    if (this.#closing !== undefined) return;
    this.#closing = Promise.resolve();
    this.#gate.close(this.#closedError('abandon'));
    this.#pglite.terminate();
    this.#unregister();
  }

  #closedError(operation: string): ClosedError {
    return new ClosedError(`${operation} on a closed database (${this.#location})`, {
      hint: 'Open the store again; a handle cannot be used after close().',
    });
  }

  // Resolves true when `promise` settles within the close timeout, false otherwise.
  async #within(promise: Promise<unknown>): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const settled = await Promise.race([
      promise.then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(resolve, this.#closeTimeoutMs, false))),
    ]);
    clearTimeout(timer);
    return settled;
  }

  #inTransaction<T>(call: Promise<T>): Promise<T> {
    return call.catch((error: unknown) => {
      throw translateDriverError(error, 'transaction');
    });
  }

  // A store call: it waits while a wire client of `serve` has the session.
  #store<T>(operation: string, run: () => Promise<T>): Promise<T> {
    return this.#track(operation, () => this.#gate.runStore(run));
  }

  #track<T>(operation: string, run: () => Promise<T>): Promise<T> {
    if (this.#closing !== undefined) return Promise.reject(this.#closedError(operation));
    if (transactionScope.inside(this)) {
      return Promise.reject(
        new NestedTransactionError(
          `${operation} on the outer handle inside a transaction callback would wait for ever`,
          {
            hint: 'Inside db.transaction(fn), send every statement through the tx handle fn receives.',
          },
        ),
      );
    }
    const promise = run().catch((error: unknown) => {
      throw translateDriverError(error, operation);
    });
    this.#inFlight.add(promise);
    const forget = (): void => {
      this.#inFlight.delete(promise);
      this.#completed += 1;
    };
    promise.then(forget, forget);
    return promise;
  }
}
