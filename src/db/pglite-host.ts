import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction as PGliteTransaction } from '@electric-sql/pglite';
import { PreparedStatements } from './prepared-statements.js';
import {
  errorToThread,
  type ThreadAnswer,
  type ThreadEnvelope,
  type ThreadOpenOptions,
  type ThreadRequest,
} from './thread-protocol.js';

/** The side of a message port the database thread talks through (`parentPort`). */
export interface HostPort {
  on(event: 'message', listener: (message: ThreadEnvelope) => void): unknown;
  postMessage(message: ThreadAnswer, transfer?: ArrayBuffer[]): void;
}

interface OpenTransaction {
  readonly tx: PGliteTransaction;
  readonly end: (commit: boolean) => void;
  readonly ended: Promise<void>;
}

// What a rolled-back transaction callback throws, so that PGlite rolls back; never reported.
const ROLLED_BACK = Symbol('rolled back');

/**
 * Serve one PGlite instance to the main thread (see src/db/thread-protocol.ts). Requests run
 * concurrently, as calls on one PGlite instance do: its own locks order them, and a transaction
 * keeps the others out until its `end`.
 */
export function hostPGlite(port: HostPort): void {
  const host = new PGliteHost();
  port.on('message', (request) => {
    host.handle(request).then(
      ({ value, transfer }) => port.postMessage({ id: request.id, ok: true, value }, transfer),
      (error: unknown) =>
        port.postMessage({ id: request.id, ok: false, error: errorToThread(error) }),
    );
  });
}

class PGliteHost {
  #pglite: PGlite | undefined;
  #statements: PreparedStatements | undefined;
  readonly #transactions = new Map<number, OpenTransaction>();

  async handle(request: ThreadRequest): Promise<{ value: unknown; transfer?: ArrayBuffer[] }> {
    switch (request.op) {
      case 'open':
        await this.#open(request.options);
        return { value: undefined };
      case 'query':
        return { value: await this.#query(request.sql, request.params, request.tx) };
      case 'exec':
        await this.#exec(request.sql, request.tx);
        return { value: undefined };
      case 'begin':
        await this.#begin(request.tx);
        return { value: undefined };
      case 'end':
        await this.#end(request.tx, request.commit);
        return { value: undefined };
      case 'protocol': {
        const pglite = this.#instance();
        const answer = await pglite.runExclusive(() => pglite.execProtocolRaw(request.message));
        return { value: answer, transfer: [answer.buffer as ArrayBuffer] };
      }
      case 'close':
        await this.#instance().close();
        return { value: undefined };
    }
  }

  async #open(options: ThreadOpenOptions): Promise<void> {
    mkdirSync(options.pgDataDir, { recursive: true, mode: 0o700 });
    const pglite = await PGlite.create({
      dataDir: options.pgDataDir,
      startParams: [
        ...PGlite.defaultStartParams,
        '-c',
        `max_wal_size=${options.maxWalSize}`,
        '-c',
        'min_wal_size=32MB',
      ],
    });
    this.#pglite = pglite;
    this.#statements = new PreparedStatements(pglite);
  }

  #instance(): PGlite {
    if (this.#pglite === undefined) throw new Error('the database thread has no open instance');
    return this.#pglite;
  }

  async #query(sql: string, params: unknown[], tx: number | undefined): Promise<unknown> {
    const statements = this.#statements;
    if (statements === undefined) throw new Error('the database thread has no open instance');
    if (tx === undefined) return statements.query(sql, params);
    this.#transaction(tx);
    return statements.queryInTransaction(sql, params);
  }

  async #exec(sql: string, tx: number | undefined): Promise<void> {
    if (tx === undefined) await this.#instance().exec(sql);
    else await this.#transaction(tx).tx.exec(sql);
  }

  // Open a transaction and keep its callback waiting until `end` says how it ends.
  #begin(tx: number): Promise<void> {
    return new Promise<void>((started, failed) => {
      let end!: (commit: boolean) => void;
      const decided = new Promise<boolean>((resolve) => (end = resolve));
      const ended = this.#instance()
        .transaction(async (pgTx) => {
          this.#transactions.set(tx, { tx: pgTx, end, ended });
          started();
          if (!(await decided)) throw ROLLED_BACK;
        })
        .then(
          () => undefined,
          (error: unknown) => {
            if (error !== ROLLED_BACK) throw error;
          },
        )
        .finally(() => this.#transactions.delete(tx));
      // A BEGIN that fails never starts the callback.
      ended.catch(failed);
    });
  }

  async #end(tx: number, commit: boolean): Promise<void> {
    const open = this.#transaction(tx);
    open.end(commit);
    await open.ended;
  }

  #transaction(tx: number): OpenTransaction {
    const open = this.#transactions.get(tx);
    if (open === undefined) throw new Error(`transaction ${tx} is not open`);
    return open;
  }
}
