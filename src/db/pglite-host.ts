import { mkdirSync } from 'node:fs';
import { PGlite, protocol } from '@electric-sql/pglite';
import { PgliteChannel } from './pglite-channel.js';
import { PreparedStatements } from './prepared-statements.js';
import { SessionTurns } from './session-turns.js';
import {
  errorToThread,
  type ThreadAnswer,
  type ThreadEnvelope,
  type ThreadOpenOptions,
  type ThreadRequest,
} from './thread-protocol.js';

const { serialize } = protocol;

/** The side of a message port the database thread talks through (`parentPort`). */
export interface HostPort {
  on(event: 'message', listener: (message: ThreadEnvelope) => void): unknown;
  postMessage(message: ThreadAnswer, transfer?: ArrayBuffer[]): void;
}

/**
 * Serve one PGlite instance to the main thread (see src/db/thread-protocol.ts). Every statement
 * goes through one synchronous {@link PgliteChannel} and runs before the next request is read;
 * what must not interleave is a transaction, which holds the session from `begin` to `end`:
 * requests of no transaction that arrive meanwhile wait their turn, in arrival order.
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

interface Opened {
  readonly pglite: PGlite;
  readonly channel: PgliteChannel;
  readonly statements: PreparedStatements;
}

/**
 * One PGlite instance and the turn-taking of its session, answering {@link ThreadRequest}s: in the
 * database thread (`hostPGlite`) or in the caller's own thread (src/db/in-process-pglite.ts).
 */
export class PGliteHost {
  #opened: Opened | undefined;
  readonly #turns = new SessionTurns();
  /** The transaction holding the session, if any. */
  #transaction: number | undefined;

  async handle(request: ThreadRequest): Promise<{ value: unknown; transfer?: ArrayBuffer[] }> {
    switch (request.op) {
      case 'open':
        await this.#open(request.options);
        return { value: undefined };
      case 'query': {
        const { sql, params, tx } = request;
        return {
          value: await this.#run(tx, (o) => o.statements.query(sql, params, tx !== undefined)),
        };
      }
      case 'decoded': {
        const { sql, params, tx } = request;
        const answer = await this.#run(tx, (o) => o.statements.raw(sql, params, tx !== undefined));
        return { value: answer, transfer: [answer.buffer as ArrayBuffer] };
      }
      case 'exec': {
        const { sql, tx } = request;
        await this.#run(tx, (o) => void o.channel.roundTrip(serialize.query(sql)));
        return { value: undefined };
      }
      case 'begin':
        await this.#begin(request.tx);
        return { value: undefined };
      case 'end':
        this.#end(request.tx, request.commit);
        return { value: undefined };
      case 'protocol': {
        // Wire messages never meet a store transaction: the main thread's session gate keeps them apart.
        const answer = this.#instance().channel.relay(request.message);
        return { value: answer, transfer: [answer.buffer as ArrayBuffer] };
      }
      case 'close':
        await this.#instance().pglite.close();
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
    const channel = PgliteChannel.of(pglite);
    this.#opened = { pglite, channel, statements: new PreparedStatements(channel, pglite) };
  }

  #instance(): Opened {
    if (this.#opened === undefined) throw new Error('the database thread has no open instance');
    return this.#opened;
  }

  // Run a statement of transaction `tx` at once, or one of no transaction in its turn.
  async #run<T>(tx: number | undefined, statement: (opened: Opened) => T): Promise<T> {
    const opened = this.#instance();
    if (tx !== undefined) {
      if (tx !== this.#transaction) throw new Error(`transaction ${tx} is not open`);
      return statement(opened);
    }
    if (this.#turns.free) return statement(opened);
    await this.#turns.take();
    try {
      return statement(opened);
    } finally {
      this.#turns.release();
    }
  }

  async #begin(tx: number): Promise<void> {
    const { channel } = this.#instance();
    await this.#turns.take();
    try {
      channel.roundTrip(serialize.query('BEGIN'));
    } catch (error) {
      this.#turns.release();
      throw error;
    }
    this.#transaction = tx;
  }

  #end(tx: number, commit: boolean): void {
    if (tx !== this.#transaction) throw new Error(`transaction ${tx} is not open`);
    this.#transaction = undefined;
    try {
      this.#instance().channel.roundTrip(serialize.query(commit ? 'COMMIT' : 'ROLLBACK'));
    } finally {
      this.#turns.release();
    }
  }
}
