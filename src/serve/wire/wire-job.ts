import type { ProtocolState } from '../../db/protocol-state.js';

/** One connected wire client, as the endpoint and `stats` see it. */
export interface WireClient {
  readonly id: number;
  readonly address: string;
  readonly connectedAt: number;
  lastActivityAt: number;
  messages: number;
  /** `closed` once the endpoint decided to end it: nothing more of it runs. */
  phase: 'startup' | 'password' | 'ready' | 'closed';
  user: string | undefined;
  applicationName: string | undefined;
  /** The instance generation its session began on. */
  generation: number | undefined;
  /** Its StartupMessage, kept while its password is checked. */
  startup: Uint8Array | undefined;
  /** The process id it was given (BackendKeyData), for cancel requests and pg_cancel_backend. */
  pid?: number;
  /** Its own idle_in_transaction_session_timeout (0 or absent: only the endpoint's limit). */
  idleInTransactionMs?: number;
}

/**
 * Sends a job's messages on the session: resolves to the answer and where the session stands
 * after it. `keep` holds the session for the job's client afterwards even when it is idle.
 */
export interface WireChannel {
  send(
    message: Uint8Array,
    keep: boolean,
  ): Promise<{ readonly answer: Uint8Array; readonly state: ProtocolState }>;
}

/** Why a client's statement is cancelled. */
export type CancelReason = 'user' | 'timeout';

/** Work of one client on the session: one or more of its messages, and their answer. */
export interface WireJob {
  readonly client: WireClient;
  /** What the session snapshot shows as the client's statement. */
  readonly statement: string;
  /** The client's statement_timeout for it, in ms (0 or absent: none). */
  readonly timeoutMs?: number;
  /** Run on the session (alone); resolves to where the session stands afterwards. */
  run(channel: WireChannel): Promise<ProtocolState>;
  /**
   * The client's statement is cancelled (`running` tells whether it runs now): the job answers
   * its client at once. Returns true when it must still run (to bring the session back in line
   * with what the client was told), false when it can be dropped. Absent: not cancellable.
   */
  cancel?(reason: CancelReason, running: boolean): boolean;
  /**
   * Answer the client without the session, because another client holds it (a client that only
   * prepares statements must not wait for another's transaction: a single-threaded program
   * driving both would wait for ever). The job then never runs. Absent: it always waits.
   */
  whileHeld?(): void;
}

/** Who has the session now, read from memory (never waits for the session). */
export interface WireSessionHolder {
  readonly clientId: number;
  readonly pid: number | null;
  readonly applicationName: string | null;
  readonly user: string | null;
  readonly address: string;
  /** `active` (a statement runs), `idle in transaction` (aborted), or `idle in sequence`. */
  readonly state:
    'active' | 'idle in transaction' | 'idle in transaction (aborted)' | 'idle in sequence';
  /** When the client took the session (ISO 8601). */
  readonly since: string;
  /** Its current or last statement, at most 200 characters. */
  readonly statement: string;
}
