import type { Socket } from 'node:net';
import type { Clock, Timer } from '../../clock.js';
import {
  authenticationOk,
  backendKeyData,
  cleartextPasswordRequest,
  fatalError,
  negotiateProtocolVersion,
  parameterStatus,
  passwordOf,
  readyForQuery,
  type ErrorFields,
} from '../pg-messages.js';
import { sameSecret } from '../same-secret.js';
import type { WireScheduler } from '../wire-scheduler.js';
import type { CancelReason, WireClient } from './wire-job.js';
import { ClientSession } from './client-session.js';
import { ClientSettings } from './client-settings.js';
import { FrameReader, ProtocolViolation, type ClientFrame } from './frame-reader.js';
import { reportedParameters, startupSettings } from './startup-parameters.js';
import { ClientQueries } from './client-queries.js';

/** Limits of one connection. */
export interface WireConnectionLimits {
  /** Largest message a client may send. */
  readonly maxMessageBytes: number;
  /** Largest COPY … FROM STDIN data a client may send in one COPY. */
  readonly maxCopyBytes: number;
  /** Longest a client may take to send its startup packet and password. */
  readonly startupTimeoutMs: number;
}

/** What a {@link WireConnection} needs from its endpoint. */
export interface WireConnectionDeps {
  readonly clock: Clock;
  readonly scheduler: WireScheduler;
  /** The password every client must give; none when undefined. */
  readonly token: string | undefined;
  readonly limits: WireConnectionLimits;
  /** The ParameterStatus values every client is told at startup. */
  readonly parameters: Readonly<Record<string, string>>;
  /** A started client: its record, or a refusal (too many connections). */
  readonly register: (
    connection: WireConnection,
    params: Readonly<Record<string, string>>,
  ) => WireClient | ErrorFields;
  /** The connection is gone. */
  readonly unregister: (connection: WireConnection) => void;
  /** A CancelRequest arrived on this connection. */
  readonly cancelRequest: (pid: number, secret: number) => void;
  /** pg_cancel_backend / pg_terminate_backend of `pid` from a client: true when `pid` is a wire client. */
  readonly signalBackend: (
    pid: number,
    signal: 'cancel' | 'terminate',
    from: WireConnection,
  ) => boolean;
  readonly onActivity?: (() => void) | undefined;
}

// Bytes received and not yet handled above which the socket stops reading.
const INBOX_HIGH_WATER = 1024 * 1024;

/**
 * One client connection of the wire endpoint: cuts its bytes into messages, runs the startup
 * (SSL refused, cancel requests handed over, the password checked, a key for cancel requests
 * given), then hands its messages one at a time to {@link ClientQueries}, reading more only as
 * fast as they are answered. When it goes, what it left on the session (a transaction, prepared
 * statements, settings) is cleaned up.
 */
export class WireConnection {
  readonly socket: Socket;
  /** Set once the startup packet registered the client. */
  session: ClientSession | undefined;
  /** The secret of its cancel key. */
  secret = 0;
  readonly #deps: WireConnectionDeps;
  readonly #reader: FrameReader;
  readonly #inbox: (
    ClientFrame | { readonly kind: 'cancel-copy'; readonly reason: CancelReason }
  )[] = [];
  #inboxBytes = 0;
  #draining = false;
  #startupTimer: Timer | undefined;
  #queries: ClientQueries | undefined;
  #closed = false;
  readonly #cleanedUp: Promise<void>;
  #markCleanedUp!: () => void;

  constructor(socket: Socket, deps: WireConnectionDeps) {
    this.socket = socket;
    this.#deps = deps;
    this.#reader = new FrameReader(deps.limits.maxMessageBytes);
    this.#cleanedUp = new Promise((resolve) => (this.#markCleanedUp = resolve));
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.once('close', () => this.#gone());
    this.#startupTimer = deps.clock.setTimer(
      deps.limits.startupTimeoutMs,
      () => this.terminate('08P01', 'canceling authentication due to timeout'),
      { background: true },
    );
  }

  /** The client's record, once it has sent its startup packet. */
  get client(): WireClient | undefined {
    return this.session?.client;
  }

  /** Resolves once the connection is gone and what it left on the session is cleaned up. */
  whenClosed(): Promise<void> {
    return this.#cleanedUp;
  }

  /** Cancel the client's statement (a cancel request, its statement_timeout, pg_cancel_backend). */
  cancel(reason: CancelReason): void {
    const client = this.client;
    if (client === undefined || this.#closed) return;
    if (this.#queries?.copying === true) {
      this.#inbox.unshift({ kind: 'cancel-copy', reason });
      void this.#drain();
      return;
    }
    this.#deps.scheduler.cancel(client.id, reason);
  }

  /** End the connection, telling the client why with a FATAL error when a SQLSTATE is given. */
  terminate(sqlState?: string, message?: string): void {
    if (this.#closed) return;
    const client = this.client;
    if (client !== undefined) client.phase = 'closed';
    this.#startupTimer?.cancel();
    const last = sqlState === undefined ? Buffer.alloc(0) : fatalError(sqlState, message ?? '');
    this.socket.end(last, () => this.socket.destroy());
  }

  #write(bytes: Uint8Array): void {
    if (this.socket.writable && bytes.length > 0) this.socket.write(bytes);
  }

  #receive(chunk: Buffer): void {
    this.#deps.onActivity?.();
    let frames: ClientFrame[];
    try {
      frames = this.#reader.push(chunk);
    } catch (error) {
      const violation =
        error instanceof ProtocolViolation ? error : new ProtocolViolation('08P01', String(error));
      this.terminate(violation.sqlState, violation.message);
      return;
    }
    const client = this.client;
    for (const frame of frames) {
      if (client !== undefined) client.messages += 1;
      this.#inbox.push(frame);
      this.#inboxBytes += frame.kind === 'message' ? frame.bytes.length : 0;
    }
    if (this.#inboxBytes > INBOX_HIGH_WATER) this.socket.pause();
    void this.#drain();
  }

  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let item = this.#inbox.shift(); item !== undefined; item = this.#inbox.shift()) {
        if (this.#closed || this.client?.phase === 'closed') break;
        if (item.kind === 'message') this.#inboxBytes -= item.bytes.length;
        await this.#handle(item);
        // A client that does not read its answers is not sent more (nor read from) meanwhile.
        if (this.socket.writableNeedDrain) await this.#drained();
        if (this.socket.isPaused() && this.#inboxBytes < INBOX_HIGH_WATER / 4) this.socket.resume();
      }
    } finally {
      this.#draining = false;
    }
  }

  #drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }

  async #handle(
    item: ClientFrame | { readonly kind: 'cancel-copy'; readonly reason: CancelReason },
  ): Promise<void> {
    switch (item.kind) {
      case 'ssl':
      case 'gss':
        this.#write(Buffer.from('N'));
        return;
      case 'cancel':
        this.#deps.cancelRequest(item.pid, item.secret);
        this.socket.destroy();
        return;
      case 'startup':
        await this.#startup(item.minor, item.params);
        return;
      case 'cancel-copy':
        await this.#queries?.cancelCopy(item.reason);
        return;
      case 'message':
        await this.#message(item.type, item.bytes);
        return;
    }
  }

  async #startup(minor: number, params: Readonly<Record<string, string>>): Promise<void> {
    if (this.session !== undefined) {
      this.terminate('08P01', 'a second startup packet');
      return;
    }
    if (params['replication'] !== undefined && params['replication'] !== 'false') {
      this.terminate('0A000', 'replication connections are not supported by pgcache serve');
      return;
    }
    const registered = this.#deps.register(this, params);
    if (!('id' in registered)) {
      this.terminate(registered.sqlState, registered.message);
      return;
    }
    const unsupported = Object.keys(params).filter((name) => name.startsWith('_pq_.'));
    if (minor > 0 || unsupported.length > 0) this.#write(negotiateProtocolVersion(0, unsupported));
    const settings = new ClientSettings(startupSettings(params, this.#deps.parameters));
    this.session = new ClientSession(registered, settings, (bytes) => this.#write(bytes));
    this.#queries = new ClientQueries(this.session, {
      scheduler: this.#deps.scheduler,
      clock: this.#deps.clock,
      maxCopyBytes: this.#deps.limits.maxCopyBytes,
      signalBackend: (pid, signal) => this.#deps.signalBackend(pid, signal, this),
      terminate: (sqlState, message) => this.terminate(sqlState, message),
    });
    if (this.#deps.token === undefined) {
      await this.#ready();
      return;
    }
    registered.phase = 'password';
    this.#write(cleartextPasswordRequest());
  }

  async #ready(): Promise<void> {
    const session = this.session;
    if (session === undefined) return;
    const refused = await this.#queries?.applyStartupSettings();
    if (refused !== undefined) {
      this.terminate(refused.sqlState, refused.message);
      return;
    }
    this.#startupTimer?.cancel();
    session.client.phase = 'ready';
    const shown = reportedParameters(this.#deps.parameters, session);
    this.#write(
      Buffer.concat([
        authenticationOk(),
        ...Object.entries(shown).map(([name, value]) => parameterStatus(name, value)),
        backendKeyData(session.client.pid ?? 0, this.secret),
        readyForQuery('I'),
      ]),
    );
  }

  async #message(type: string, bytes: Uint8Array): Promise<void> {
    const session = this.session;
    if (session === undefined) {
      this.terminate('08P01', 'expected a startup message');
      return;
    }
    if (session.client.phase === 'password') {
      const given = passwordOf(bytes);
      if (given === undefined || !sameSecret(given, this.#deps.token)) {
        this.terminate(
          '28P01',
          `password authentication failed for user "${session.client.user ?? ''}"`,
        );
        return;
      }
      await this.#ready();
      return;
    }
    if (type === 'X') {
      this.terminate();
      return;
    }
    session.client.lastActivityAt = this.#deps.clock.now();
    const next = (): Uint8Array | undefined => {
      const head = this.#inbox[0];
      if (head?.kind !== 'message' || !ClientQueries.joins(head.type)) return undefined;
      this.#inbox.shift();
      this.#inboxBytes -= head.bytes.length;
      return head.bytes;
    };
    await this.#queries?.handle(type, bytes, next);
  }

  #gone(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#startupTimer?.cancel();
    const client = this.client;
    if (client !== undefined) client.phase = 'closed';
    this.#deps.unregister(this);
    void (this.#queries?.cleanUp() ?? Promise.resolve()).finally(() => this.#markCleanedUp());
  }
}
