import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { ClosedError, NestedTransactionError, StoreUnavailableError } from '../errors/index.js';
import type {
  ConnectionStats,
  Database,
  DatabaseInfo,
  DiskFootprint,
  QueryResult,
  Transaction,
} from './database.js';
import { directorySize } from './directory-size.js';
import { registerHandle } from './handle-registry.js';
import { PreparedStatements } from './prepared-statements.js';
import { ProtocolStateTracker, type ProtocolState } from './protocol-state.js';
import { SessionGate } from './session-gate.js';
import { translateDriverError } from './sql-errors.js';

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
// inside it fails at once instead of waiting for ever on PGlite's mutex.
const transactionScope = new AsyncLocalStorage<EmbeddedDatabase>();

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

/** The PGlite adapter of the {@link Database} port. */
export class EmbeddedDatabase implements Database {
  readonly #pglite: PGlite;
  readonly #location: string;
  readonly #unregister: () => void;
  readonly #closeTimeoutMs: number;
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #gate = new SessionGate();
  readonly #statements: PreparedStatements;
  #completed = 0;
  #closing: Promise<void> | undefined;

  readonly #label: string;

  constructor(pglite: PGlite, location: string, closeTimeoutMs = 5000, label = location) {
    this.#pglite = pglite;
    this.#statements = new PreparedStatements(pglite);
    this.#location = location;
    this.#label = label;
    this.#closeTimeoutMs = closeTimeoutMs;
    this.#unregister = registerHandle({ kind: 'embedded', location, openedAt: Date.now() });
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** The PGlite instance (tests inspect it; `serve` goes through {@link execProtocol}). */
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
    return this.#store('query', () => this.#statements.query<R>(sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.#store('exec', async () => {
      await this.#pglite.exec(sql);
    });
  }

  /**
   * Send one raw protocol message of a `serve` wire client, alone on the session (see
   * {@link SessionGate}), streaming the answer to `onData`. Resolves to where the client's session
   * stands afterwards: anything but `idle` keeps the store's own calls waiting until the client's
   * next message releases it.
   */
  execProtocol(message: Uint8Array, onData: (chunk: Uint8Array) => void): Promise<ProtocolState> {
    return this.#track('wire message', () =>
      this.#gate.runWire(async () => {
        const tracker = new ProtocolStateTracker(message);
        // Not execProtocolRawStream: PGlite keeps its data callback after the call, so the next
        // call's answer (a store query's) would go to this wire client and be lost to its caller.
        const answer = await this.#pglite.runExclusive(() => this.#pglite.execProtocolRaw(message));
        tracker.push(answer);
        onData(answer);
        const state = tracker.state();
        return { value: state, hold: state !== 'idle' };
      }),
    );
  }

  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.#store('transaction', () =>
      this.#pglite.transaction((pgTx) => {
        const tx: Transaction = {
          inTransaction: true,
          query: async <R>(sql: string, params: readonly unknown[] = []) => {
            return this.#statements.queryInTransaction<R>(sql, params).catch((error: unknown) => {
              throw translateDriverError(error, 'transaction');
            });
          },
          exec: async (sql: string) => {
            await pgTx.exec(sql).catch((error: unknown) => {
              throw translateDriverError(error, 'transaction');
            });
          },
        };
        return transactionScope.run(this, () => fn(tx));
      }),
    );
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
   * Wait (up to the close timeout) for statements already issued, then close PGlite. Idempotent:
   * later calls return the same promise; PGlite's own "already closed" rejection never escapes.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#gate.close(this.#closedError('close'));
      let timer: NodeJS.Timeout | undefined;
      const settled = await Promise.race([
        Promise.allSettled([...this.#inFlight]).then(() => true),
        new Promise<false>((resolve) => (timer = setTimeout(resolve, this.#closeTimeoutMs, false))),
      ]);
      clearTimeout(timer);
      if (!settled) {
        // A statement never settled: the instance is hung and its close() would hang too.
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
    this.#gate.close(this.#closedError('abandon'));
    this.#unregister();
  }

  #closedError(operation: string): ClosedError {
    return new ClosedError(`${operation} on a closed database (${this.#location})`, {
      hint: 'Open the store again; a handle cannot be used after close().',
    });
  }

  // A store call: it waits while a wire client of `serve` has the session.
  #store<T>(operation: string, run: () => Promise<T>): Promise<T> {
    return this.#track(operation, () => this.#gate.runStore(run));
  }

  #track<T>(operation: string, run: () => Promise<T>): Promise<T> {
    if (this.#closing !== undefined) return Promise.reject(this.#closedError(operation));
    if (transactionScope.getStore() === this) {
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
