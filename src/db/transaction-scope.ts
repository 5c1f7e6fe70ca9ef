import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Knows whether code runs inside a transaction callback of a given database handle, so that a
 * call on the outer handle from inside it fails at once instead of waiting for ever.
 *
 * On Node 20 an enabled `AsyncLocalStorage` installs a promise hook that every promise of the
 * process then pays for (it doubled the cost of the store's resilience path), so the storage is
 * enabled only while a transaction runs and disabled again when the last one ends.
 */
export class TransactionScope<Owner extends object> {
  readonly #storage = new AsyncLocalStorage<Owner>();
  #open = 0;

  /** Run `fn` as a transaction callback of `owner`. */
  async run<T>(owner: Owner, fn: () => Promise<T>): Promise<T> {
    this.#open += 1;
    try {
      return await this.#storage.run(owner, fn);
    } finally {
      this.#open -= 1;
      if (this.#open === 0) this.#storage.disable();
    }
  }

  /** True inside a transaction callback of `owner`. */
  inside(owner: Owner): boolean {
    return this.#open > 0 && this.#storage.getStore() === owner;
  }
}
