import type { Clock, Timer } from '../../clock.js';
import type { ProtocolState } from '../../db/protocol-state.js';
import {
  commandComplete,
  dataRow,
  readyForQuery,
  rowDescription,
  type ErrorFields,
} from '../pg-messages.js';
import type { WireScheduler } from '../wire-scheduler.js';
import type { CancelReason } from './wire-job.js';
import {
  CANCELED,
  reconcile,
  type ClientSession,
  type JobResult,
  type JobSend,
} from './client-session.js';
import { CopyIn } from './copy-in.js';
import { EXTENDED_TYPES, ExtendedBatch } from './extended-batch.js';
import { closeStatementMessage, SYNC } from './protocol-codec.js';
import { planQuery, runQuery, type QueryPlan } from './simple-query.js';

/** What {@link ClientQueries} needs from its connection and endpoint. */
export interface ClientQueriesDeps {
  readonly scheduler: WireScheduler;
  readonly clock: Clock;
  readonly maxCopyBytes: number;
  /** pg_cancel_backend / pg_terminate_backend of a wire client: true when `pid` is one. */
  readonly signalBackend: (pid: number, signal: 'cancel' | 'terminate') => boolean;
  /** End the connection with a FATAL error. */
  readonly terminate: (sqlState: string, message: string) => void;
}

/**
 * What one ready client's messages become: a simple query planned statement by statement (run,
 * refused, or answered by serve), a run of extended-protocol messages, a COPY FROM STDIN kept
 * until its end, all run on the session as jobs of the client's {@link ClientSession}.
 */
export class ClientQueries {
  readonly #session: ClientSession;
  readonly #deps: ClientQueriesDeps;
  #copy: CopyIn | undefined;
  #copyTimer: Timer | undefined;
  // After a COPY failed on serve's side, the client's CopyData, CopyDone and CopyFail are dropped.
  #discardingCopy = false;

  constructor(session: ClientSession, deps: ClientQueriesDeps) {
    this.#session = session;
    this.#deps = deps;
  }

  /** True for a message that continues a run of extended-protocol messages. */
  static joins(type: string): boolean {
    return EXTENDED_TYPES.has(type);
  }

  /** True while the client sends COPY data. */
  get copying(): boolean {
    return this.#copy !== undefined;
  }

  /** Handle one message; `next` takes the client's following message if it joins a run. */
  async handle(type: string, bytes: Uint8Array, next: () => Uint8Array | undefined): Promise<void> {
    const session = this.#session;
    if (this.#copy !== undefined) {
      if (await this.#copyMessage(type, bytes)) return;
    } else if (this.#discardingCopy && (type === 'd' || type === 'c' || type === 'f')) {
      return;
    }
    this.#discardingCopy = false;
    if (session.skipUntilSync !== undefined) {
      if (type === 'S') {
        session.write(readyForQuery(session.skipUntilSync));
        session.skipUntilSync = undefined;
      }
      return;
    }
    if (type === 'Q')
      return this.#query(Buffer.from(bytes.subarray(5, bytes.length - 1)).toString('utf8'), bytes);
    if (EXTENDED_TYPES.has(type)) return this.#extended([bytes], type, next);
    if (type === 'F')
      return this.#run('function call', true, async (send) => {
        const { answer, state } = await send(bytes, true);
        return { state, output: answer };
      });
    if (type === 'd' || type === 'c' || type === 'f') return; // outside COPY: ignored, as PostgreSQL does
    this.#deps.terminate('08P01', `invalid frontend message type ${type.charCodeAt(0)}`);
  }

  /** Apply the settings of the startup packet once, to have them checked and read back. */
  async applyStartupSettings(): Promise<ErrorFields | undefined> {
    const settings = this.#session.settings;
    if (!settings.needsReset) return undefined;
    let refused: ErrorFields | undefined;
    await this.#deps.scheduler.submit({
      client: this.#session.client,
      statement: '',
      run: async (channel) => {
        const send = (message: Uint8Array, keep: boolean) =>
          channel.send(message, keep).then((r) => r.answer);
        const error = await settings.enter(send);
        if (error !== undefined)
          refused = {
            sqlState: error['C'] ?? '08P01',
            message: error['M'] ?? 'invalid startup parameter',
          };
        await settings.leave(send);
        return 'idle';
      },
    });
    this.#session.client.idleInTransactionMs = settings.idleInTransactionMs;
    return refused;
  }

  /** Cancel the COPY whose data the client is sending. */
  async cancelCopy(reason: CancelReason): Promise<void> {
    if (this.#copy !== undefined) await this.#failCopy(undefined, CANCELED[reason]);
  }

  /** The client has gone: close what it left on the session. */
  async cleanUp(): Promise<void> {
    this.#copyTimer?.cancel();
    this.#copy = undefined;
    const session = this.#session;
    const scheduler = this.#deps.scheduler;
    scheduler.clearQueueForHandler(session.client.id);
    if (
      session.serverState === 'idle' &&
      session.names.size === 0 &&
      !session.settings.needsReset
    ) {
      // A job of the client may still run: it leaves the session as the cleanup finds it.
      if (scheduler.holder !== session.client.id && !scheduler.busy) return;
    }
    await scheduler.submit({
      client: session.client,
      statement: '',
      run: async (channel) => {
        let state = await reconcile(channel, session.serverState, 'I');
        const closes = session.names.clear().map(closeStatementMessage);
        if (closes.length > 0)
          state = (await channel.send(Buffer.concat([...closes, SYNC]), true)).state;
        session.serverState = state;
        session.settings.endTransaction();
        if (session.settings.needsReset) {
          await session.settings.leave((message, keep) =>
            channel.send(message, keep).then((r) => r.answer),
          );
        }
        return state;
      },
    });
  }

  async #query(sql: string, message: Uint8Array): Promise<void> {
    const session = this.#session;
    let plan: QueryPlan = planQuery(sql, session);
    // What serve answers itself runs as a plain query inside a failed transaction (it fails there).
    if (session.status === 'E' && plan.kind !== 'refuse' && plan.kind !== 'run') {
      plan = { kind: 'run', sql, statements: [] };
    }
    switch (plan.kind) {
      case 'refuse':
        return this.#refuse(plan.error);
      case 'run': {
        const run = plan;
        return this.#run(sql, true, (send) => runQuery(run, session, send));
      }
      case 'unlisten':
        session.write(Buffer.concat([commandComplete('UNLISTEN'), readyForQuery(session.status)]));
        return;
      case 'backend-pid':
        return this.#answer('pg_backend_pid', 23, 4, String(session.client.pid ?? 0));
      case 'signal-backend':
        if (this.#deps.signalBackend(plan.pid, plan.signal)) {
          return this.#answer(
            plan.signal === 'cancel' ? 'pg_cancel_backend' : 'pg_terminate_backend',
            16,
            1,
            't',
          );
        }
        return this.#run(sql, true, (send) =>
          runQuery({ kind: 'run', sql, statements: [] }, session, send),
        );
      case 'discard-all':
        if (session.inTransaction) {
          return this.#refuse({
            sqlState: '25001',
            message: 'DISCARD ALL cannot run inside a transaction block',
          });
        }
        session.settings.discard();
        return this.#closeAll(sql, 'DISCARD ALL');
      case 'deallocate-all':
        return this.#closeAll(sql, 'DEALLOCATE ALL');
      case 'copy-in':
        return this.#startCopy(sql, message);
    }
  }

  // A one-row answer of serve's own (pg_backend_pid, pg_cancel_backend).
  #answer(column: string, typeOid: number, typeLength: number, value: string): void {
    const session = this.#session;
    session.write(
      Buffer.concat([
        rowDescription([{ name: column, typeOid, typeLength }]),
        dataRow([value]),
        commandComplete('SELECT 1'),
        readyForQuery(session.status),
      ]),
    );
  }

  // An error serve raises for a query: inside a transaction, the transaction fails with it.
  async #refuse(error: ErrorFields): Promise<void> {
    const session = this.#session;
    if (session.status === 'T') await this.#deps.scheduler.submit(session.reconcileJob('E'));
    session.error(error);
  }

  // DEALLOCATE ALL and DISCARD ALL: close the client's statements on the session.
  async #closeAll(sql: string, tag: string): Promise<void> {
    const session = this.#session;
    const closes = session.names.clear().map(closeStatementMessage);
    if (closes.length === 0 && !session.settings.needsReset) {
      session.write(Buffer.concat([commandComplete(tag), readyForQuery(session.status)]));
      return;
    }
    return this.#run(sql, true, async (send) => {
      let state: ProtocolState = session.serverState;
      if (closes.length > 0) state = (await send(Buffer.concat([...closes, SYNC]), true)).state;
      const status = state === 'transaction' ? 'T' : state === 'failed' ? 'E' : 'I';
      return { state, output: Buffer.concat([commandComplete(tag), readyForQuery(status)]) };
    });
  }

  async #extended(
    first: Uint8Array[],
    type: string,
    next: () => Uint8Array | undefined,
  ): Promise<void> {
    const messages = first;
    let last = type;
    while (last !== 'S' && last !== 'H') {
      const more = next();
      if (more === undefined) break;
      messages.push(more);
      last = String.fromCharCode(more[0] ?? 0);
    }
    const session = this.#session;
    const batch = new ExtendedBatch(messages, session);
    const whileHeld = batch.parseOnly
      ? () => session.write(batch.answerWithoutSession())
      : undefined;
    const run = async (send: JobSend): Promise<JobResult> => {
      const { answer, state } = await send(batch.rewrite(), true);
      return { state, output: batch.settle(answer) };
    };
    return this.#run(batch.statement, batch.endsWithSync, run, whileHeld);
  }

  async #run(
    statement: string,
    endsWithReady: boolean,
    body: (send: JobSend) => Promise<JobResult>,
    whileHeld?: () => void,
  ): Promise<void> {
    const session = this.#session;
    await this.#deps.scheduler.submit(session.job(statement, endsWithReady, body, whileHeld));
    session.client.idleInTransactionMs = session.settings.idleInTransactionMs;
  }

  async #startCopy(sql: string, query: Uint8Array): Promise<void> {
    const session = this.#session;
    const copy = new CopyIn(query, this.#deps.maxCopyBytes);
    await this.#run(sql, true, async (send) => {
      const result = await copy.start(send, session.status);
      if (result.started) this.#copy = copy;
      return result;
    });
    const timeoutMs = session.settings.statementTimeoutMs;
    if (this.#copy !== undefined && timeoutMs > 0) {
      this.#copyTimer = this.#deps.clock.setTimer(
        timeoutMs,
        () => {
          if (this.#copy === copy) void this.cancelCopy('timeout');
        },
        { background: true },
      );
    }
  }

  // A message while the client sends COPY data; false when it is not a COPY message (the COPY
  // then fails and the message is handled as usual).
  async #copyMessage(type: string, bytes: Uint8Array): Promise<boolean> {
    const copy = this.#copy;
    if (copy === undefined) return false;
    switch (type) {
      case 'd':
        if (!copy.add(bytes)) await this.#failCopy(undefined, copy.tooLarge);
        return true;
      case 'c':
        this.#endCopy();
        await this.#run('COPY', true, (send) => copy.finish(send));
        return true;
      case 'f':
        this.#endCopy();
        await this.#run('COPY', true, (send) => copy.fail(send, bytes));
        return true;
      case 'H':
      case 'S':
        return true;
      default:
        await this.#failCopy(undefined, {
          sqlState: '08P01',
          message: `unexpected message type 0x${type.charCodeAt(0).toString(16)} during COPY from stdin`,
        });
        this.#discardingCopy = false;
        return false;
    }
  }

  async #failCopy(copyFail: Uint8Array | undefined, error: ErrorFields): Promise<void> {
    const copy = this.#copy;
    if (copy === undefined) return;
    this.#endCopy();
    this.#discardingCopy = true;
    await this.#run('COPY', true, (send) => copy.fail(send, copyFail, error));
  }

  #endCopy(): void {
    this.#copy = undefined;
    this.#copyTimer?.cancel();
    this.#copyTimer = undefined;
  }
}
