import type { ProtocolState } from '../../db/protocol-state.js';
import { cstring, errorResponse, readyForQuery, type ErrorFields } from '../pg-messages.js';
import type { CancelReason, WireChannel, WireClient, WireJob } from './wire-job.js';
import type { ClientSettings } from './client-settings.js';
import { PreparedNames } from './prepared-names.js';
import { frontendMessage, queryMessage, readyStatusOf, SYNC } from './protocol-codec.js';

/** A transaction status as ReadyForQuery reports it. */
export type TransactionStatus = 'I' | 'T' | 'E';

/** Sends one of a job's messages; `final` for its last one (the session may be released after it). */
export type JobSend = (
  message: Uint8Array,
  final: boolean,
) => Promise<{ readonly answer: Uint8Array; readonly state: ProtocolState }>;

/** What a job's body produced: where the session stands, and the bytes for the client. */
export interface JobResult {
  readonly state: ProtocolState;
  readonly output: Uint8Array;
}

/** The error a canceled statement's client gets. */
export const CANCELED: Readonly<Record<CancelReason, ErrorFields>> = {
  user: { sqlState: '57014', message: 'canceling statement due to user request' },
  timeout: { sqlState: '57014', message: 'canceling statement due to statement timeout' },
};

// Statements that fail without doing anything (a syntax error), to put the session in the state
// the client was told: a failed transaction, or the end of a sequence.
const FAIL_QUERY = queryMessage('pgcache: this statement was canceled');
const FAIL_PARSE = frontendMessage('P', cstring(''), cstring('pgcache: canceled'), Buffer.alloc(2));
const ROLLBACK = queryMessage('ROLLBACK');
const BEGIN = queryMessage('BEGIN');

/**
 * One wire client's side of the shared session: its prepared statements, its settings, what it
 * was last told (ReadyForQuery) and where the session stands for it; and the jobs that run its
 * messages with all of that applied, answer it, and bring the session back when it is canceled.
 */
export class ClientSession {
  readonly client: WireClient;
  readonly names: PreparedNames;
  readonly settings: ClientSettings;
  /** The transaction status the client was last told. */
  status: TransactionStatus = 'I';
  /** Where the session stands for this client after its last job. */
  serverState: ProtocolState = 'idle';
  /** A cancel answered the client in the middle of a sequence: what its Sync gets. */
  skipUntilSync: TransactionStatus | undefined;
  readonly #write: (bytes: Uint8Array) => void;

  constructor(client: WireClient, settings: ClientSettings, write: (bytes: Uint8Array) => void) {
    this.client = client;
    this.names = new PreparedNames(client.id);
    this.settings = settings;
    this.#write = write;
  }

  /** True inside BEGIN … COMMIT, as far as the client knows. */
  get inTransaction(): boolean {
    return this.status !== 'I';
  }

  /** Send bytes to the client (and note the status of a ReadyForQuery that ends them). */
  write(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.status = readyStatusOf(bytes) ?? this.status;
    this.#write(bytes);
  }

  /** Answer with an error, then ReadyForQuery (for a simple query, or a Sync's worth). */
  error(error: ErrorFields, ready = true): void {
    const failed: TransactionStatus = this.inTransaction ? 'E' : 'I';
    this.write(Buffer.concat([errorResponse(error), ...(ready ? [readyForQuery(failed)] : [])]));
  }

  /**
   * A job for this client: `body` sends its messages (with the client's settings on the
   * session) and returns what the client gets; once its transaction ends, what it set is read
   * back and the session reset. `endsWithReady` says whether its messages end with Sync or a
   * Query (so that a cancel answers with ReadyForQuery, or waits for the client's Sync).
   * `whileHeld` answers the client without the session (see WireJob).
   */
  job(
    statement: string,
    endsWithReady: boolean,
    body: (send: JobSend) => Promise<JobResult>,
    whileHeld?: () => void,
  ): WireJob {
    let canceled: TransactionStatus | undefined;
    let started = false;
    return {
      client: this.client,
      statement,
      timeoutMs: this.settings.statementTimeoutMs,
      run: async (channel) => {
        let state: ProtocolState;
        if (canceled !== undefined && !started) {
          state = await reconcile(channel, this.serverState, canceled);
        } else {
          started = true;
          state = await this.#runBody(channel, body, () => canceled);
        }
        return this.#settle(channel, state);
      },
      cancel: (reason, running) => {
        if (canceled !== undefined) return true;
        canceled = this.inTransaction ? 'E' : 'I';
        this.write(errorResponse(CANCELED[reason]));
        if (endsWithReady) this.write(readyForQuery(canceled));
        else this.skipUntilSync = canceled;
        return running || this.serverState !== 'idle';
      },
      ...(whileHeld === undefined ? {} : { whileHeld }),
    };
  }

  /** A job that only brings the session to `told` (a failed transaction, or idle). */
  reconcileJob(told: TransactionStatus): WireJob {
    return {
      client: this.client,
      statement: '',
      run: async (channel) =>
        this.#settle(channel, await reconcile(channel, this.serverState, told)),
    };
  }

  async #runBody(
    channel: WireChannel,
    body: (send: JobSend) => Promise<JobResult>,
    canceled: () => TransactionStatus | undefined,
  ): Promise<ProtocolState> {
    const refused = await this.settings.enter((message, keep) =>
      channel.send(message, keep).then((r) => r.answer),
    );
    if (refused !== undefined) throw new Error(refused['M'] ?? 'a setting was refused');
    const result = await body((message, final) =>
      channel.send(message, !final || this.settings.needsReset),
    );
    const told = canceled();
    if (told === undefined) {
      this.write(result.output);
      return result.state;
    }
    return reconcile(channel, result.state, told);
  }

  async #settle(channel: WireChannel, state: ProtocolState): Promise<ProtocolState> {
    this.serverState = state;
    if (state !== 'idle') return state;
    this.settings.endTransaction();
    if (this.settings.needsReset) {
      await this.settings.leave((message, keep) =>
        channel.send(message, keep).then((r) => r.answer),
      );
    }
    return state;
  }
}

/**
 * Bring the session from `state` to what the client was told: `I` (nothing open: end a sequence,
 * roll back a transaction) or `E` (a failed transaction, which the client will roll back).
 */
export async function reconcile(
  channel: WireChannel,
  state: ProtocolState,
  told: TransactionStatus,
): Promise<ProtocolState> {
  let now = state;
  const send = async (message: Uint8Array): Promise<void> => {
    now = (await channel.send(message, true)).state;
  };
  if (now === 'busy') await send(Buffer.concat([FAIL_PARSE, SYNC]));
  if (told === 'I' && (now === 'transaction' || now === 'failed')) await send(ROLLBACK);
  if (told !== 'I' && now === 'idle') await send(BEGIN);
  if (told !== 'I' && now === 'transaction') await send(FAIL_QUERY);
  return now;
}
