import type { Clock, Timer } from '../clock.js';
import { messageType, type ProtocolState } from '../db/protocol-state.js';
import { cleartextPasswordRequest, passwordOf, startupParameters } from './pg-messages.js';
import { sameSecret } from './same-secret.js';
import { statementOf } from './session-holder.js';

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
  /** Its current (or last) statement, shortened, for `stats` and health. */
  statement?: string | undefined;
}

/** The outcome of one message sent to the store's instance. */
export type ExecuteOutcome = ProtocolState | 'restarted';

/** What {@link WireScheduler} needs injected. */
export interface WireSchedulerDeps {
  /**
   * Send one message to the current instance. `generation` is the instance the client's session
   * began on (`undefined` for a startup): `restarted` when that instance has been replaced.
   */
  readonly execute: (
    message: Uint8Array,
    onData: (chunk: Uint8Array) => void,
    generation: number | undefined,
  ) => Promise<{ readonly outcome: ExecuteOutcome; readonly generation: number }>;
  readonly client: (id: number) => WireClient | undefined;
  /** End a client's connection, with a fatal error (SQLSTATE and message) when one is given. */
  readonly disconnect: (id: number, sqlState?: string, message?: string) => void;
  readonly clock: Clock;
}

/** Options of {@link WireScheduler}. */
export interface WireSchedulerOptions {
  /** Password every client must give (cleartext exchange); none when undefined. */
  readonly token?: string | undefined;
  /** Longest a client holding the session (an open transaction) may stay idle. */
  readonly idleTransactionTimeoutMs: number;
}

type OnData = (chunk: Uint8Array) => void;

interface Pending {
  readonly id: number;
  readonly message: Uint8Array | 'cleanup';
  readonly onData: (chunk: Uint8Array) => void;
  readonly resolve: (bytes: number) => void;
  readonly reject: (error: Error) => void;
}

const SYNC = Uint8Array.of(0x53, 0, 0, 0, 4);
const COPY_FAIL = Buffer.concat([
  Buffer.from('f\0\0\0\x15', 'latin1'),
  Buffer.from('disconnected\0'),
]);
const ROLLBACK = Buffer.concat([Buffer.from('Q\0\0\0\x0d', 'latin1'), Buffer.from('ROLLBACK\0')]);

/**
 * Orders the messages of every wire client onto the one session, in place of pglite-socket's
 * own queue (which it replaces through `PGLiteSocketHandler`'s `queryQueue` option): first come,
 * first served, except that a client whose transaction or extended-protocol sequence is open
 * keeps the session until it is closed, or until it stays idle for `idleTransactionTimeoutMs`
 * and is disconnected (its transaction is rolled back). It also checks the password, and tells a
 * client whose session was lost with a replaced instance to reconnect.
 */
export class WireScheduler {
  readonly #deps: WireSchedulerDeps;
  readonly #options: WireSchedulerOptions;
  #pending: Pending[] = [];
  #running = false;
  #holder: number | undefined;
  #heldSince = 0;
  #runningId: number | undefined;
  #holdTimer: Timer | undefined;
  #holderIdleSince = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(options: WireSchedulerOptions, deps: WireSchedulerDeps) {
    this.#options = options;
    this.#deps = deps;
  }

  /** The client holding the session between its messages, if any. */
  get holder(): number | undefined {
    return this.#holder;
  }

  /**
   * Who holds the session between messages, since when, and whether one of its messages runs
   * now: read from memory, so it answers while the session is held.
   */
  get held():
    { readonly id: number; readonly since: number; readonly running: boolean } | undefined {
    const id = this.#holder;
    if (id === undefined) return undefined;
    return { id, since: this.#heldSince, running: this.#runningId === id };
  }

  /** Messages waiting for the session. */
  get waiting(): number {
    return this.#pending.length;
  }

  /** True while a message runs or waits. */
  get busy(): boolean {
    return this.#running || this.#pending.length > 0;
  }

  /** Resolves once nothing runs or waits. */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Queue one message of client `id` (called by `PGLiteSocketHandler`). */
  enqueue(id: number, message: Uint8Array, onData: (chunk: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ id, message, onData, resolve, reject });
      this.#pump();
    });
  }

  /** Drop what client `id` still had queued (it disconnected). */
  clearQueueForHandler(id: number): void {
    const dropped = this.#pending.filter((p) => p.id === id && p.message !== 'cleanup');
    this.#pending = this.#pending.filter((p) => !dropped.includes(p));
    for (const p of dropped) p.reject(new Error('Handler disconnected'));
  }

  /** Close what client `id` left open (transaction, sequence, COPY), once it has gone. */
  clearTransactionIfNeeded(id: number): Promise<void> {
    if (this.#holder !== id) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => resolve();
      this.#pending.push({
        id,
        message: 'cleanup',
        onData: () => undefined,
        resolve: done,
        reject: done,
      });
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#running) return;
    const holder = this.#holder;
    const index = holder === undefined ? 0 : this.#pending.findIndex((p) => p.id === holder);
    const next = index < 0 ? undefined : this.#pending[index];
    if (next === undefined) {
      if (!this.busy) for (const resolve of this.#idleWaiters.splice(0)) resolve();
      return;
    }
    this.#pending.splice(index, 1);
    this.#running = true;
    this.#process(next)
      .then(next.resolve, next.reject)
      .finally(() => {
        this.#running = false;
        this.#pump();
      });
  }

  async #process(p: Pending): Promise<number> {
    const { message, onData } = p;
    if (message === 'cleanup') {
      await this.#cleanup(p.id);
      return 0;
    }
    const client = this.#deps.client(p.id);
    if (client === undefined) throw new Error('Handler disconnected');
    client.lastActivityAt = this.#deps.clock.now();
    client.messages += 1;
    switch (client.phase) {
      case 'closed':
        return 0;
      case 'startup':
        return this.#startup(client, message, onData);
      case 'password':
        return this.#password(client, message, onData);
      case 'ready':
        // Terminate: close the connection, as PostgreSQL does; what it left open is cleaned up then.
        if (messageType(message) === 'X') {
          this.#deps.disconnect(client.id);
          return 0;
        }
        return this.#send(client, message, onData);
    }
  }

  #startup(client: WireClient, message: Uint8Array, onData: OnData): Promise<number> {
    if (messageType(message) !== 'startup') {
      this.#deps.disconnect(client.id, '08P01', 'expected a startup message');
      return Promise.resolve(0);
    }
    const params = startupParameters(message);
    client.user = params['user'];
    client.applicationName = params['application_name'];
    if (this.#options.token === undefined) {
      client.phase = 'ready';
      return this.#send(client, message, onData);
    }
    client.phase = 'password';
    client.startup = message;
    onData(cleartextPasswordRequest());
    return Promise.resolve(9);
  }

  #password(client: WireClient, message: Uint8Array, onData: OnData): Promise<number> {
    const given = passwordOf(message);
    const startup = client.startup;
    if (given === undefined || startup === undefined || !sameSecret(given, this.#options.token)) {
      this.#deps.disconnect(
        client.id,
        '28P01',
        `password authentication failed for user "${client.user ?? ''}"`,
      );
      return Promise.resolve(0);
    }
    client.phase = 'ready';
    client.startup = undefined;
    return this.#send(client, startup, onData);
  }

  async #send(client: WireClient, message: Uint8Array, onData: OnData): Promise<number> {
    let bytes = 0;
    const count = (chunk: Uint8Array): void => {
      bytes += chunk.length;
      onData(chunk);
    };
    client.statement = statementOf(message) ?? client.statement;
    this.#runningId = client.id;
    try {
      const { outcome, generation } = await this.#deps.execute(message, count, client.generation);
      client.generation ??= generation;
      if (outcome === 'restarted') {
        this.#release(client.id);
        this.#deps.disconnect(
          client.id,
          '57P01',
          'the embedded database was restarted after a failure; reconnect',
        );
        return bytes;
      }
      if (outcome === 'idle') this.#release(client.id);
      else this.#hold(client.id);
    } catch (error) {
      this.#release(client.id);
      this.#deps.disconnect(client.id, '57P01', `the store failed: ${(error as Error).message}`);
    } finally {
      this.#runningId = undefined;
    }
    return bytes;
  }

  #hold(id: number): void {
    this.#holderIdleSince = this.#deps.clock.now();
    if (this.#holder === id) return;
    this.#holdTimer?.cancel();
    this.#holder = id;
    this.#heldSince = this.#deps.clock.now();
    this.#armHoldTimer(id, this.#options.idleTransactionTimeoutMs);
  }

  // One timer per hold, re-armed while the holder keeps sending (idle time is what counts).
  #armHoldTimer(id: number, ms: number): void {
    const limit = this.#options.idleTransactionTimeoutMs;
    this.#holdTimer = this.#deps.clock.setTimer(
      ms,
      () => {
        if (this.#holder !== id) return;
        const idle = this.#deps.clock.now() - this.#holderIdleSince;
        if (this.#running || idle < limit) {
          this.#armHoldTimer(id, this.#running ? limit : limit - idle);
          return;
        }
        this.#deps.disconnect(
          id,
          '25P03',
          `terminating connection: idle inside a transaction for more than ${limit}ms while every other client and the store waited`,
        );
      },
      { background: true },
    );
  }

  #release(id: number): void {
    if (this.#holder !== id) return;
    this.#holdTimer?.cancel();
    this.#holdTimer = undefined;
    this.#holder = undefined;
  }

  // Close what a client left open: a sequence (Sync), then a COPY if the Sync was swallowed by
  // one (CopyFail: only then, PGlite hangs on a CopyFail outside COPY), then a transaction.
  async #cleanup(id: number): Promise<void> {
    const send = async (message: Uint8Array): Promise<ExecuteOutcome> =>
      (await this.#deps.execute(message, () => undefined, undefined)).outcome;
    try {
      let outcome = await send(SYNC);
      if (outcome === 'busy') outcome = await send(COPY_FAIL);
      if (outcome === 'transaction' || outcome === 'failed') outcome = await send(ROLLBACK);
    } catch {
      // The instance failed: the supervisor replaces it, and the session with it.
    }
    // Still open: other clients go on; the store's calls wait, time out, and the instance probe
    // replaces the instance (rare: a COPY that would not end).
    this.#release(id);
  }
}
