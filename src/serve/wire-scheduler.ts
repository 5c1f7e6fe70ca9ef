import type { Clock, Timer } from '../clock.js';
import type { ProtocolState } from '../db/protocol-state.js';

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

/** The outcome of one message sent to the store's instance. */
export type ExecuteOutcome = ProtocolState | 'restarted';

/** What {@link WireScheduler} needs injected. */
export interface WireSchedulerDeps {
  /**
   * Send messages to the current instance. `generation` is the instance the client's session
   * began on (`undefined` for a startup): `restarted` when that instance has been replaced.
   * `keep` holds the session for the same client afterwards even when it is idle.
   */
  readonly execute: (
    message: Uint8Array,
    onData: (chunk: Uint8Array) => void,
    generation: number | undefined,
    keep?: boolean,
  ) => Promise<{ readonly outcome: ExecuteOutcome; readonly generation: number }>;
  readonly client: (id: number) => WireClient | undefined;
  /** End a client's connection, with a fatal error (SQLSTATE and message) when one is given. */
  readonly disconnect: (id: number, sqlState?: string, message?: string) => void;
  readonly clock: Clock;
  /**
   * Ask the instance supervisor whether the instance still answers: a wire statement has held
   * the session past `hangTimeoutMs` while others wait (a hung instance is replaced).
   */
  readonly probe?: () => void;
}

/** Options of {@link WireScheduler}. */
export interface WireSchedulerOptions {
  /** @deprecated The endpoint checks passwords itself; ignored. */
  readonly token?: string | undefined;
  /** Longest a client holding the session (an open transaction) may stay idle. */
  readonly idleTransactionTimeoutMs: number;
  /** A statement that runs longer than this while others wait is checked for a hang. @default 30000 */
  readonly hangTimeoutMs?: number;
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

interface Entry {
  readonly job: WireJob;
  readonly done: (outcome: 'ran' | 'dropped' | 'failed') => void;
  timer: Timer | undefined;
}

const STATEMENT_SHOWN = 200;

/** A job's session was on an instance that has since been replaced. */
class SessionLostError extends Error {}

/**
 * Orders the work of every wire client onto the one session: first come, first served, except
 * that a client whose transaction or extended-protocol sequence is open keeps the session until
 * it is closed, or until it stays idle for its idle limit and is disconnected (the endpoint then
 * rolls it back). It cancels a client's statement on request or at its statement_timeout (PGlite
 * cannot interrupt one: a running statement's client is answered at once and the session brought
 * back in line once it ends), asks for a hang check when a statement holds the session too long
 * while others wait, and tells a client whose session was lost with a replaced instance to
 * reconnect.
 */
export class WireScheduler {
  readonly #deps: WireSchedulerDeps;
  readonly #options: WireSchedulerOptions;
  #queue: Entry[] = [];
  #running: Entry | undefined;
  #holder: number | undefined;
  #holderState: ProtocolState = 'idle';
  #heldSince = 0;
  #statement = '';
  #holdTimer: Timer | undefined;
  #hangTimer: Timer | undefined;
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

  /** Jobs waiting for the session. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** True while a job runs or waits. */
  get busy(): boolean {
    return this.#running !== undefined || this.#queue.length > 0;
  }

  /** Resolves once nothing runs or waits. */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Who has the session now (a statement running, or a transaction left open), if anyone. */
  session(): WireSessionHolder | null {
    // A running statement's client may have gone already: the statement still has the session.
    const client =
      this.#running?.job.client ??
      (this.#holder === undefined ? undefined : this.#deps.client(this.#holder));
    if (client === undefined) return null;
    return {
      clientId: client.id,
      pid: client.pid ?? null,
      applicationName: client.applicationName ?? null,
      user: client.user ?? null,
      address: client.address,
      state: this.#running !== undefined ? 'active' : holdState(this.#holderState),
      since: new Date(this.#heldSince).toISOString(),
      statement: this.#statement.slice(0, STATEMENT_SHOWN),
    };
  }

  /** Queue a job; resolves once it has run, or was dropped (cancelled, or its client gone). */
  submit(job: WireJob): Promise<'ran' | 'dropped' | 'failed'> {
    if (
      job.whileHeld !== undefined &&
      this.#holder !== undefined &&
      this.#holder !== job.client.id
    ) {
      job.whileHeld();
      return Promise.resolve('ran');
    }
    return new Promise((done) => {
      const entry: Entry = { job, done, timer: undefined };
      const timeoutMs = job.timeoutMs ?? 0;
      if (timeoutMs > 0 && job.cancel !== undefined) {
        entry.timer = this.#deps.clock.setTimer(
          timeoutMs,
          () => this.#cancelEntry(entry, 'timeout'),
          { background: true },
        );
      }
      this.#queue.push(entry);
      this.#pump();
    });
  }

  /** Cancel what client `id` has running or waiting; false when it had nothing to cancel. */
  cancel(id: number, reason: CancelReason = 'user'): boolean {
    const entry =
      this.#running?.job.client.id === id
        ? this.#running
        : this.#queue.find((e) => e.job.client.id === id);
    return entry === undefined ? false : this.#cancelEntry(entry, reason);
  }

  /** Queue one raw protocol message of client `id` as it is (no isolation; see WireJob). */
  enqueue(id: number, message: Uint8Array, onData: (chunk: Uint8Array) => void): Promise<number> {
    const client = this.#deps.client(id);
    if (client === undefined) return Promise.reject(new Error('Handler disconnected'));
    let bytes = 0;
    const job: WireJob = {
      client,
      statement: '',
      run: async (channel) => {
        const { answer, state } = await channel.send(message, false);
        bytes = answer.length;
        onData(answer);
        return state;
      },
    };
    return this.submit(job).then((outcome) =>
      outcome === 'ran' ? bytes : Promise.reject(new Error('Handler disconnected')),
    );
  }

  /** Drop what client `id` still had queued (it disconnected). */
  clearQueueForHandler(id: number): void {
    const dropped = this.#queue.filter((e) => e.job.client.id === id);
    this.#queue = this.#queue.filter((e) => !dropped.includes(e));
    for (const entry of dropped) this.#finish(entry, 'dropped');
    this.#pump();
  }

  /** Close what client `id` left open (transaction, sequence), once it has gone. */
  async clearTransactionIfNeeded(id: number): Promise<void> {
    const client = this.#deps.client(id);
    if (this.#holder !== id || client === undefined) return;
    await this.submit({
      client,
      statement: '',
      run: (channel) => rollBack(channel, this.#holderState),
    });
  }

  #cancelEntry(entry: Entry, reason: CancelReason): boolean {
    const cancel = entry.job.cancel;
    if (cancel === undefined) return false;
    entry.timer?.cancel();
    entry.timer = undefined;
    const running = entry === this.#running;
    const keep = cancel.call(entry.job, reason, running);
    if (!running && !keep && this.#queue.includes(entry)) {
      this.#queue = this.#queue.filter((e) => e !== entry);
      this.#finish(entry, 'dropped');
      this.#pump();
    }
    return true;
  }

  #pump(): void {
    if (this.#running !== undefined) return;
    const holder = this.#holder;
    const index =
      holder === undefined ? 0 : this.#queue.findIndex((e) => e.job.client.id === holder);
    const entry = index < 0 ? undefined : this.#queue[index];
    if (entry === undefined && holder !== undefined) this.#answerWhileHeld(holder);
    if (entry === undefined) {
      if (!this.busy) for (const resolve of this.#idleWaiters.splice(0)) resolve();
      return;
    }
    this.#queue.splice(index, 1);
    this.#running = entry;
    void this.#run(entry).finally(() => {
      this.#running = undefined;
      this.#hangTimer?.cancel();
      this.#pump();
    });
  }

  // The holder has nothing queued: what others can have answered without the session, they get.
  #answerWhileHeld(holder: number): void {
    const answerable = this.#queue.filter(
      (e) => e.job.whileHeld !== undefined && e.job.client.id !== holder,
    );
    this.#queue = this.#queue.filter((e) => !answerable.includes(e));
    for (const entry of answerable) {
      entry.job.whileHeld?.();
      this.#finish(entry, 'ran');
    }
  }

  async #run(entry: Entry): Promise<void> {
    const { job } = entry;
    const client = job.client;
    if (client.phase === 'closed' && job.cancel !== undefined) {
      this.#finish(entry, 'dropped');
      return;
    }
    const now = this.#deps.clock.now();
    if (this.#holder !== client.id) this.#heldSince = now;
    if (job.statement !== '') this.#statement = job.statement;
    client.lastActivityAt = now;
    this.#watchForHang(entry);
    let kept = false;
    const channel: WireChannel = {
      send: async (message, keep) => {
        let answer: Uint8Array = new Uint8Array(0);
        const { outcome, generation } = await this.#deps.execute(
          message,
          (chunk) => (answer = chunk),
          client.generation,
          keep,
        );
        client.generation ??= generation;
        if (outcome === 'restarted') throw new SessionLostError();
        kept = keep;
        return { answer, state: outcome };
      },
    };
    try {
      const state = await job.run(channel);
      // A job that kept the session and ended idle releases it.
      if (state === 'idle' && kept) await channel.send(new Uint8Array(0), false);
      if (state === 'idle') this.#release(client.id);
      else this.#hold(client, state);
      this.#finish(entry, 'ran');
    } catch (error) {
      this.#release(client.id);
      const why =
        error instanceof SessionLostError
          ? 'the embedded database was restarted after a failure; reconnect'
          : `terminating connection: ${(error as Error).message}; reconnect`;
      this.#deps.disconnect(client.id, '57P01', why);
      this.#finish(entry, 'failed');
    }
  }

  #finish(entry: Entry, outcome: 'ran' | 'dropped' | 'failed'): void {
    entry.timer?.cancel();
    entry.done(outcome);
  }

  // Check for a hang once the job has run for hangTimeoutMs while others wait.
  #watchForHang(entry: Entry): void {
    const limit = this.#options.hangTimeoutMs ?? 30_000;
    this.#hangTimer = this.#deps.clock.setTimer(
      limit,
      () => {
        if (this.#running !== entry) return;
        if (this.#queue.length > 0) this.#deps.probe?.();
        this.#watchForHang(entry);
      },
      { background: true },
    );
  }

  #hold(client: WireClient, state: ProtocolState): void {
    this.#holderState = state;
    this.#holderIdleSince = this.#deps.clock.now();
    if (this.#holder === client.id) return;
    this.#holdTimer?.cancel();
    this.#holder = client.id;
    this.#armHoldTimer(client.id, this.#idleLimit(client));
  }

  #idleLimit(client: WireClient): number {
    const own = client.idleInTransactionMs ?? 0;
    const limit = this.#options.idleTransactionTimeoutMs;
    return own > 0 ? Math.min(own, limit) : limit;
  }

  // One timer per hold, re-armed while the holder keeps sending (idle time is what counts).
  #armHoldTimer(id: number, ms: number): void {
    this.#holdTimer = this.#deps.clock.setTimer(
      ms,
      () => {
        const client = this.#deps.client(id);
        if (this.#holder !== id || client === undefined) return;
        const limit = this.#idleLimit(client);
        const idle = this.#deps.clock.now() - this.#holderIdleSince;
        const busy =
          this.#running?.job.client.id === id || this.#queue.some((e) => e.job.client.id === id);
        if (busy || idle < limit) {
          this.#armHoldTimer(id, busy ? limit : limit - idle);
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
    this.#holderState = 'idle';
  }
}

function holdState(state: ProtocolState): WireSessionHolder['state'] {
  switch (state) {
    case 'transaction':
      return 'idle in transaction';
    case 'failed':
      return 'idle in transaction (aborted)';
    case 'busy':
    case 'idle':
      return 'idle in sequence';
  }
}

const ROLLBACK = Buffer.concat([Buffer.from('Q\0\0\0\x0d', 'latin1'), Buffer.from('ROLLBACK\0')]);
const SYNC = Uint8Array.of(0x53, 0, 0, 0, 4);

// Close what a client left open: a sequence (Sync), then a transaction (ROLLBACK).
async function rollBack(channel: WireChannel, state: ProtocolState): Promise<ProtocolState> {
  let now = state;
  if (now === 'busy') now = (await channel.send(SYNC, true)).state;
  if (now === 'transaction' || now === 'failed') now = (await channel.send(ROLLBACK, true)).state;
  return now;
}
