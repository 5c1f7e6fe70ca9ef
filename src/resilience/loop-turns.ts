import { performance } from 'node:perf_hooks';

/**
 * Lets the event loop turn at least every `everyMs` of back-to-back work. PGlite answers through
 * promise callbacks only, so a queue of store calls can run for a long time without the loop
 * ever reaching timers (deadlines, timeouts) or sockets (`serve`'s clients); one macrotask hop
 * now and then keeps them served. Measured on the monotonic clock: this is about the loop, not
 * about the store's (injectable) time.
 */
export class LoopTurns {
  readonly #everyMs: number;
  #last = performance.now();

  constructor(everyMs = 10) {
    this.#everyMs = everyMs;
  }

  /** True when the last turn is `everyMs` old: the next call should let the loop turn first. */
  get due(): boolean {
    return performance.now() - this.#last >= this.#everyMs;
  }

  /** Resolve at once, or after one turn of the loop when the last turn is `everyMs` old. */
  maybeTurn(): Promise<void> | undefined {
    if (performance.now() - this.#last < this.#everyMs) return undefined;
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        this.#last = performance.now();
        resolve();
      }),
    );
  }
}
