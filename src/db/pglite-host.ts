import { mkdirSync } from 'node:fs';
import { PGlite, protocol } from '@electric-sql/pglite';
import { PgliteChannel } from './pglite-channel.js';
import { PreparedStatements } from './prepared-statements.js';
import { SessionTurns } from './session-turns.js';
import { AnswerKind, LaneBuffer, LaneState } from './thread-lane.js';
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
 * Serve one PGlite instance to the main thread (see src/db/thread-protocol.ts), by message and
 * through the fast lane (src/db/thread-lane.ts). Requests start in the order of their ids, as the
 * main thread made them, whichever way they came. Every statement goes through one synchronous
 * {@link PgliteChannel}; what must not interleave is a transaction, which holds the session from
 * `begin` to `end`: requests of no transaction that arrive meanwhile wait their turn, in order.
 */
export function hostPGlite(port: HostPort, lane: SharedArrayBuffer): void {
  const host = new PGliteHost();
  port.on('message', (request) => answerByMessage(port, host, request));
  void serveLane(new LaneBuffer(lane), host, port);
}

function answerByMessage(port: HostPort, host: PGliteHost, request: ThreadEnvelope): void {
  host
    .inOrder(request.id, () => host.handle(request))
    .then(
      ({ value, transfer }) => port.postMessage({ id: request.id, ok: true, value }, transfer),
      (error: unknown) =>
        port.postMessage({ id: request.id, ok: false, error: errorToThread(error) }),
    );
}

// How long the database thread waits for the next lane request, blocked, before it waits without
// blocking its event loop: spinning first, then asleep (a message for it wakes it at once).
const REQUEST_SPIN_MS = 0.02;
const REQUEST_BLOCK_MS = 1;

const NOTHING = new Uint8Array(0);

/**
 * Answer the lane's requests until the main thread is gone. A request that cannot run at once
 * (not its turn yet, or the session held by a transaction) must not hold the lane, which the
 * statements that free the session may need: it is answered `later`, by message, as is an
 * answer too large for the lane.
 */
async function serveLane(lane: LaneBuffer, host: PGliteHost, port: HostPort): Promise<void> {
  for (;;) {
    let state = lane.current;
    if (state === LaneState.answer) state = lane.wait(state, REQUEST_SPIN_MS, REQUEST_BLOCK_MS);
    if (state === LaneState.idle) state = lane.wait(state, REQUEST_SPIN_MS, REQUEST_BLOCK_MS);
    if (state === LaneState.gone) return;
    if (state !== LaneState.request) {
      await lane.until(state);
      continue;
    }
    const { id, sql, params, tx } = lane.readRequest();
    const txId = tx < 0 ? undefined : tx;
    let answer: Uint8Array | undefined;
    try {
      answer = host.decodedNow(id, sql, params, txId);
    } catch (error) {
      lane.sendAnswer(AnswerKind.error, Buffer.from(JSON.stringify(errorToThread(error))));
      continue;
    }
    if (answer !== undefined && answer.length <= lane.bytes.length) {
      lane.sendAnswer(AnswerKind.bytes, answer);
    } else if (answer !== undefined) {
      const copy = new Uint8Array(answer);
      port.postMessage({ id, ok: true, value: copy }, [copy.buffer]);
      lane.sendAnswer(AnswerKind.later, NOTHING);
    } else {
      lane.sendAnswer(AnswerKind.later, NOTHING);
      answerByMessage(port, host, { op: 'decoded', id, sql, params: [...params], tx: txId });
    }
  }
}

interface Opened {
  readonly pglite: PGlite;
  readonly channel: PgliteChannel;
  readonly statements: PreparedStatements;
}

class PGliteHost {
  #opened: Opened | undefined;
  readonly #turns = new SessionTurns();
  /** The transaction holding the session, if any. */
  #transaction: number | undefined;
  /** The id of the next request to start, and the requests that came before their turn. */
  #next = 1;
  readonly #early = new Map<number, () => void>();

  /** Start `run` when every request of a lower id has started. */
  async inOrder<T>(id: number, run: () => Promise<T>): Promise<T> {
    if (id !== this.#next) await new Promise<void>((resolve) => this.#early.set(id, resolve));
    this.#next = id + 1;
    const wake = this.#early.get(this.#next);
    this.#early.delete(this.#next);
    wake?.();
    return run();
  }

  /**
   * Run a statement of the lane at once when it is its turn and the session is free for it, and
   * return its answer's bytes (a view, valid until the next statement); undefined when it must
   * wait (see {@link inOrder}).
   */
  decodedNow(
    id: number,
    sql: string,
    params: readonly (string | null)[],
    tx: number | undefined,
  ): Uint8Array | undefined {
    const opened = this.#opened;
    const free = tx === undefined ? this.#turns.free : tx === this.#transaction;
    if (id !== this.#next || opened === undefined || !free) return undefined;
    this.#next = id + 1;
    const wake = this.#early.get(this.#next);
    this.#early.delete(this.#next);
    wake?.();
    return opened.statements.view(sql, params, tx !== undefined);
  }

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
