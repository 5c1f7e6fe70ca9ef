/**
 * Who has the embedded session between statements. Statements run synchronously, so two can
 * never overlap; what must not interleave is a transaction, which holds the session from BEGIN to
 * COMMIT across awaits. While one does (or a call handed the session after it has not finished),
 * the session is busy and calls wait their turn, in arrival order.
 */
export class SessionTurns {
  readonly #waiting: (() => void)[] = [];
  #busy = false;

  /** True when a call arriving now may run at once (nobody holds the session or waits). */
  get free(): boolean {
    return !this.#busy && this.#waiting.length === 0;
  }

  /** Hold the session: at once when it is free, else when the calls before have had their turn. */
  take(): Promise<void> | undefined {
    if (this.free) {
      this.#busy = true;
      return undefined;
    }
    return new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  /** Hand the session to the next waiting call, or free it. */
  release(): void {
    const next = this.#waiting.shift();
    this.#busy = next !== undefined;
    next?.();
  }

  /** Wake every waiting call (the instance is gone: each one fails on its own). */
  wakeAll(): void {
    for (const wake of this.#waiting.splice(0)) wake();
  }
}

/** Calls that may wait, counted, so that a close can wait for them to settle. */
export class PendingCalls {
  #count = 0;
  #drained: (() => void) | undefined;

  /** Calls started and not settled. */
  get count(): number {
    return this.#count;
  }

  /** Count `promise` until it settles. */
  track<T>(promise: Promise<T>): Promise<T> {
    this.#count += 1;
    const done = (): void => {
      this.#count -= 1;
      if (this.#count === 0) this.#drained?.();
    };
    promise.then(done, done);
    return promise;
  }

  /** Wait until no counted call is left, or `timeoutMs`: false when one never settled. */
  async settled(timeoutMs: number): Promise<boolean> {
    if (this.#count === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const settled = await Promise.race([
      new Promise<true>((resolve) => (this.#drained = () => resolve(true))),
      new Promise<false>((resolve) => (timer = setTimeout(resolve, timeoutMs, false))),
    ]);
    clearTimeout(timer);
    return settled;
  }
}
