/**
 * The one Postgres session of an embedded instance, shared by the store's own calls and by the
 * wire clients of `serve`. PGlite runs one statement at a time, but that is not enough: a wire
 * client's `BEGIN … COMMIT` (or its `Parse`/`Bind`/`Execute`/`Sync` sequence) spans several
 * messages, and a store call slipped in between would run inside the client's transaction (and be
 * rolled back with it), while a wire message slipped into a store transaction would commit with
 * the store's. The gate keeps the two sides apart:
 *
 * - store calls run together (PGlite queues their statements), never while a wire message runs or
 *   while a wire client holds the session between messages;
 * - wire messages run one at a time, once the store calls running have finished; a waiting wire
 *   message holds back store calls that arrive after it, so neither side starves.
 *
 * With no wire client the gate costs one comparison per store call. Given a `resetSession`, the
 * first store call after wire messages waits for it (pgcache's own statements must resolve the
 * same whatever a client did to the session, even through a function serve cannot see into).
 */
export class SessionGate {
  readonly #resetSession: (() => Promise<void>) | undefined;
  #storeRunning = 0;
  #wireRan = false;
  #resetting: Promise<void> | undefined;
  #wire: 'idle' | 'running' | 'held' = 'idle';
  #wireWaiting: (() => void) | undefined;
  #storeWaiting: (() => void)[] = [];
  #failed: Error | undefined;

  constructor(resetSession?: () => Promise<void>) {
    this.#resetSession = resetSession;
  }

  /** True while a wire client keeps the session between two of its messages. */
  get held(): boolean {
    return this.#wire === 'held';
  }

  /** Store calls waiting for the wire side. */
  get storeWaiting(): number {
    return this.#storeWaiting.length;
  }

  /** Run a store call: at once when no wire message runs or holds the session, else after it. */
  runStore<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#failed !== undefined) return Promise.reject(this.#failed);
    if (this.#wire === 'idle' && this.#wireWaiting === undefined) return this.#startStore(fn);
    return new Promise<T>((resolve, reject) => {
      this.#storeWaiting.push(() => {
        if (this.#failed !== undefined) reject(this.#failed);
        else this.#startStore(fn).then(resolve, reject);
      });
    });
  }

  /**
   * Run one wire message alone. `fn` says whether its client keeps the session afterwards (a
   * transaction or an extended-protocol sequence still open): store calls then keep waiting until
   * a later wire message releases it.
   */
  async runWire<T>(fn: () => Promise<{ readonly value: T; readonly hold: boolean }>): Promise<T> {
    if (this.#failed !== undefined) throw this.#failed;
    if (this.#wire === 'running' || this.#wireWaiting !== undefined) {
      throw new Error('SessionGate: wire messages must be sent one at a time');
    }
    if (this.#wire === 'idle' && this.#storeRunning > 0) {
      await new Promise<void>((resolve) => (this.#wireWaiting = resolve));
      this.#wireWaiting = undefined;
      if (this.#failed !== undefined) throw this.#failed;
    }
    this.#wire = 'running';
    this.#wireRan = true;
    let hold = false;
    try {
      const outcome = await fn();
      hold = outcome.hold;
      return outcome.value;
    } finally {
      this.#wire = hold ? 'held' : 'idle';
      if (!hold) this.#wakeStore();
    }
  }

  /** Reject everything waiting and every later call (the instance is closing or discarded). */
  close(error: Error): void {
    if (this.#failed !== undefined) return;
    this.#failed = error;
    this.#wire = 'idle';
    this.#wireWaiting?.();
    this.#wakeStore();
  }

  #startStore<T>(fn: () => Promise<T>): Promise<T> {
    this.#storeRunning += 1;
    if (this.#wireRan && this.#resetSession !== undefined) {
      this.#wireRan = false;
      const resetting = this.#resetSession().catch(() => undefined);
      this.#resetting = resetting;
      void resetting.then(() => {
        if (this.#resetting === resetting) this.#resetting = undefined;
      });
    }
    let running: Promise<T>;
    try {
      running = this.#resetting === undefined ? fn() : this.#resetting.then(fn);
    } catch (error) {
      running = Promise.reject(error);
    }
    const done = (): void => {
      this.#storeRunning -= 1;
      if (this.#storeRunning === 0) this.#wireWaiting?.();
    };
    running.then(done, done);
    return running;
  }

  #wakeStore(): void {
    const waiting = this.#storeWaiting;
    this.#storeWaiting = [];
    for (const start of waiting) start();
  }
}
