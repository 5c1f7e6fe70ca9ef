/**
 * Who has PGlite's session between statements. Statements run synchronously, so two can never
 * overlap; what must not interleave is a transaction, which holds the session from BEGIN to
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
