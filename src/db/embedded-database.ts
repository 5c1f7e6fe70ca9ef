import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite, protocol } from '@electric-sql/pglite';
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
import { directorySize } from './directory-size.js';
import { registerHandle } from './handle-registry.js';
import { PgliteChannel } from './pglite-channel.js';
import { PreparedStatements } from './prepared-statements.js';
import { ProtocolStateTracker, type ProtocolState } from './protocol-state.js';
import { SessionGate } from './session-gate.js';
import { PendingCalls, SessionTurns } from './session-turns.js';
import { translateDriverError } from './sql-errors.js';
import { TransactionScope } from './transaction-scope.js';

import { PGLITE_VERSION } from './pglite-version.js';

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
}

// Marks the async context of a transaction callback, so that a call on the outer handle from
// inside it fails at once instead of waiting for ever for the transaction to end.
const transactionScope = new TransactionScope<EmbeddedDatabase>();

const { serialize } = protocol;

/**
 * Open (or create) a PGlite data directory. The caller owns the result and must `close()` it;
 * the data-directory lock is taken by the caller before this is called.
 */
export async function openEmbeddedDatabase(
  options: EmbeddedDatabaseOptions,
): Promise<EmbeddedDatabase> {
  const maxWal = options.maxWalSize ?? '64MB';
  let pglite: PGlite;
  try {
    mkdirSync(options.pgDataDir, { recursive: true, mode: 0o700 });
    pglite = await PGlite.create({
      dataDir: options.pgDataDir,
      startParams: [
        ...PGlite.defaultStartParams,
        '-c',
        `max_wal_size=${maxWal}`,
        '-c',
        'min_wal_size=32MB',
      ],
    });
  } catch (error) {
    throw new StoreUnavailableError(
      `cannot open the embedded database in ${options.pgDataDir}: ${(error as Error).message}`,
      { cause: error, hint: 'Run `pgcache doctor` to check the data directory.' },
    );
  }
  return new EmbeddedDatabase(
    pglite,
    options.pgDataDir,
    options.closeTimeoutMs ?? 5000,
    options.location,
  );
}

/** What one store call runs: a typed query, a decoded query, or plain SQL. */
type CallKind = 'query' | 'decoded' | 'exec';

/**
 * The PGlite adapter of the {@link Database} port. Every statement goes through one synchronous
 * {@link PgliteChannel}: a call that finds the session free runs before `query()` returns (PGlite
 * blocks the event loop while it works in any case), without PGlite's async mutexes. The adapter
 * keeps calls apart itself:
 *
 * - a transaction holds the session from BEGIN to COMMIT; calls that arrive meanwhile wait, in
 *   arrival order, and run when it ends (never inside it);
 * - wire clients of `serve` take turns with the store through a {@link SessionGate}.
 */
export class EmbeddedDatabase implements Database {
  readonly #pglite: PGlite;
  readonly #location: string;
  readonly #unregister: () => void;
  readonly #closeTimeoutMs: number;
  readonly #gate = new SessionGate();
  readonly #channel: PgliteChannel;
  readonly #statements: PreparedStatements;
  readonly #turns = new SessionTurns();
  /** Calls that may wait (for their turn, or a transaction under way), for close() to wait for. */
  readonly #pending = new PendingCalls();
  #abandoned = false;
  #completed = 0;
  #closing: Promise<void> | undefined;

  readonly #label: string;

  constructor(pglite: PGlite, location: string, closeTimeoutMs = 5000, label = location) {
    this.#pglite = pglite;
    this.#channel = PgliteChannel.of(pglite);
    this.#statements = new PreparedStatements(this.#channel, pglite);
    this.#location = location;
    this.#label = label;
    this.#closeTimeoutMs = closeTimeoutMs;
    this.#unregister = registerHandle({ kind: 'embedded', location, openedAt: Date.now() });
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * The PGlite instance, for tests and benchmarks that inspect it. Its own API and this adapter
   * must not be used at the same time: this adapter does not take PGlite's mutexes.
   */
  get pglite(): PGlite {
    return this.#pglite;
  }

  /** Calls (store calls and wire messages) that have settled so far. */
  progress(): number {
    return this.#completed;
  }

  query<R = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
  ): Promise<QueryResult<R>> {
    return this.#call('query', sql, params, undefined);
  }

  queryDecoded<R>(
    sql: string,
    params: readonly unknown[],
    decode: RowDecoder<R>,
  ): Promise<QueryResult<R>> {
    return this.#call('decoded', sql, params, decode);
  }

  exec(sql: string): Promise<void> {
    return this.#call('exec', sql, EMPTY, undefined);
  }

  /**
   * Send one raw protocol message of a `serve` wire client, alone on the session (see
   * {@link SessionGate}), streaming the answer to `onData`. Resolves to where the client's session
   * stands afterwards: anything but `idle` keeps the store's own calls waiting until the client's
   * next message releases it.
   */
  execProtocol(message: Uint8Array, onData: (chunk: Uint8Array) => void): Promise<ProtocolState> {
    if (this.#closing !== undefined) return Promise.reject(this.#closedError('wire message'));
    return this.#pending.track(
      this.#gate.runWire(() => {
        const tracker = new ProtocolStateTracker(message);
        let answer: Uint8Array;
        try {
          answer = this.#channel.relay(message);
        } finally {
          this.#completed += 1;
        }
        tracker.push(answer);
        onData(answer);
        const state = tracker.state();
        return Promise.resolve({ value: state, hold: state !== 'idle' });
      }),
    );
  }

  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    const refused = this.#refuse('transaction');
    if (refused !== undefined) return Promise.reject(refused);
    return this.#pending.track(this.#gate.runStore(() => this.#transact(fn)));
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
    const pending = this.#pending.count;
    const active = Math.min(open, pending);
    return { open, active, idle: open - active, waiting: Math.max(0, pending - 1) };
  }

  /**
   * Wait (up to the close timeout) for calls already issued, then close PGlite. Idempotent:
   * later calls return the same promise; PGlite's own "already closed" rejection never escapes.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#gate.close(this.#closedError('close'));
      const settled = await this.#pending.settled(this.#closeTimeoutMs);
      if (!settled) {
        // A call never settled: the instance is hung and its close() would hang too.
        this.#unregister();
        return;
      }
      try {
        await this.#pglite.close();
      } catch {
        // Already closed, or the instance is broken: either way it is gone.
      } finally {
        this.#unregister();
      }
    })();
    return this.#closing;
  }

  /**
   * Drop a hung or crashed instance without waiting for it. Its `close()` is not called: closing
   * talks to the WASM instance, and a poisoned instance can abort Node itself when spoken to.
   */
  abandon(): void {
    if (this.#closing !== undefined) return;
    this.#closing = Promise.resolve();
    this.#abandoned = true;
    this.#gate.close(this.#closedError('abandon'));
    this.#turns.wakeAll();
    this.#unregister();
  }

  #closedError(operation: string): ClosedError {
    return new ClosedError(`${operation} on a closed database (${this.#location})`, {
      hint: 'Open the store again; a handle cannot be used after close().',
    });
  }

  /** Why a store call must not start now: the handle is closed, or it would wait for ever. */
  #refuse(operation: string): Error | undefined {
    if (this.#closing !== undefined) return this.#closedError(operation);
    if (!transactionScope.inside(this)) return undefined;
    return new NestedTransactionError(
      `${operation} on the outer handle inside a transaction callback would wait for ever`,
      {
        hint: 'Inside db.transaction(fn), send every statement through the tx handle fn receives.',
      },
    );
  }

  // One statement of the store: at once when the session is free, else after the transaction
  // under way (and the calls that arrived before it).
  #call<R>(
    kind: CallKind,
    sql: string,
    params: readonly unknown[],
    decode: RowDecoder<R> | undefined,
  ): Promise<never> {
    const refused = this.#refuse(kind);
    if (refused !== undefined) return Promise.reject(refused);
    return this.#gate.runStore(() =>
      this.#turns.free
        ? this.#now(kind, sql, params, decode, false)
        : this.#pending.track(this.#later(kind, sql, params, decode)),
    );
  }

  async #later<R>(
    kind: CallKind,
    sql: string,
    params: readonly unknown[],
    decode: RowDecoder<R> | undefined,
  ): Promise<never> {
    await this.#turns.take();
    try {
      if (this.#abandoned) throw this.#closedError(kind);
      return await this.#now(kind, sql, params, decode, false);
    } finally {
      this.#turns.release();
    }
  }

  // Run one statement now, synchronously; the promise is settled when it is returned.
  #now<R>(
    kind: CallKind,
    sql: string,
    params: readonly unknown[],
    decode: RowDecoder<R> | undefined,
    inTransaction: boolean,
  ): Promise<never> {
    try {
      return Promise.resolve(this.#run(kind, sql, params, decode, inTransaction) as never);
    } catch (error) {
      return Promise.reject(translateDriverError(error, inTransaction ? 'transaction' : kind));
    } finally {
      this.#completed += 1;
    }
  }

  #run<R>(
    kind: CallKind,
    sql: string,
    params: readonly unknown[],
    decode: RowDecoder<R> | undefined,
    inTransaction: boolean,
  ): QueryResult<unknown> | undefined {
    switch (kind) {
      case 'query':
        return this.#statements.query(sql, params, inTransaction);
      case 'decoded':
        return this.#statements.decoded(sql, params, decode as RowDecoder<R>, inTransaction);
      case 'exec':
        this.#channel.roundTrip(serialize.query(sql));
        return undefined;
    }
  }

  async #transact<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    await this.#turns.take();
    let open = true;
    const tx: Transaction = {
      inTransaction: true,
      query: (sql, params = []) => this.#inside(open, 'query', sql, params, undefined),
      queryDecoded: (sql, params, decode) => this.#inside(open, 'decoded', sql, params, decode),
      exec: (sql) => this.#inside(open, 'exec', sql, EMPTY, undefined),
    };
    try {
      if (this.#abandoned) throw this.#closedError('transaction');
      await this.#now('exec', 'BEGIN', EMPTY, undefined, true);
      const result = await transactionScope.run(this, () => fn(tx));
      open = false;
      await this.#now('exec', 'COMMIT', EMPTY, undefined, true);
      return result;
    } catch (error) {
      if (open && !this.#abandoned) {
        open = false;
        await this.#now('exec', 'ROLLBACK', EMPTY, undefined, true).catch(() => undefined);
      }
      throw error;
    } finally {
      open = false;
      this.#turns.release();
    }
  }

  #inside<R>(
    open: boolean,
    kind: CallKind,
    sql: string,
    params: readonly unknown[],
    decode: RowDecoder<R> | undefined,
  ): Promise<never> {
    if (this.#abandoned) return Promise.reject(this.#closedError('transaction'));
    if (!open) {
      return Promise.reject(
        new NestedTransactionError(`${kind} on a transaction that has ended`, {
          hint: 'Use the tx handle only inside its transaction callback.',
        }),
      );
    }
    return this.#now(kind, sql, params, decode, true);
  }
}

const EMPTY: readonly unknown[] = [];
