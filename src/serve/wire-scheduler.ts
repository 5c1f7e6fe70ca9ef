import type { Clock, Timer } from '../clock.js';
import type { ProtocolState } from '../db/protocol-state.js';
import { reconcile } from './wire/client-session.js';
import type {
  CancelReason,
  WireChannel,
  WireClient,
  WireJob,
  WireSessionHolder,
} from './wire/wire-job.js';

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
      run: (channel) => reconcile(channel, this.#holderState, 'I'),
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
