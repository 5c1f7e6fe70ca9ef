/**
 * One call per key at a time: while a call for a key is in flight, later callers for the same key
 * share its promise instead of starting their own. The key is free again once the call settles.
 */
export class SingleFlight<T> {
  readonly #flights = new Map<string, Promise<T>>();

  /** Calls in flight now. */
  get size(): number {
    return this.#flights.size;
  }

  /** The running call for `key`, or `start()` as a new one; `joined` says which. */
  run(
    key: string,
    start: () => Promise<T>,
  ): { readonly promise: Promise<T>; readonly joined: boolean } {
    const running = this.#flights.get(key);
    if (running !== undefined) return { promise: running, joined: true };
    const promise = (async () => {
      try {
        return await start();
      } finally {
        this.#flights.delete(key);
      }
    })();
    this.#flights.set(key, promise);
    return { promise, joined: false };
  }

  /** Wait until every call in flight now has settled (their outcomes are ignored). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#flights.values()]);
  }
}
