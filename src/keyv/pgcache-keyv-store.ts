import { EventEmitter } from 'node:events';
import type { SettingKey } from '../config/settings.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { fromStoreKey, keyvPrefix, toStoreKey } from './keyv-keys.js';
import { fromStoredValue, toStoredValue } from './keyv-values.js';

/** Options of {@link PgcacheKeyvStore}. */
export interface PgcacheKeyvStoreOptions {
  /** Embedded data directory (opened, and closed by `disconnect()`). @default './.pgcache' */
  readonly dataDir?: string;
  /** A PostgreSQL server instead of the embedded store. */
  readonly databaseUrl?: string;
  /** Other pgcache settings by config-file key, e.g. `{ maxSizeBytes: '50MB' }`. */
  readonly settings?: Partial<Record<SettingKey, string | number>>;
  /** Use this already open store; the adapter then never closes it. */
  readonly store?: Store;
}

const PAGE = 500;

/**
 * A Keyv store adapter backed by pgcache: `new Keyv({ store: new PgcacheKeyvStore({ dataDir }) })`.
 * Keyv's `namespace:key` maps onto pgcache's own `<namespace>:<rest>` keys, TTLs are pgcache TTLs
 * (entries written without one never expire), batches are atomic, and every call takes the
 * store's resilience path. `disconnect()` closes the store it opened.
 */
export class PgcacheKeyvStore extends EventEmitter {
  /** Read by Keyv: the `postgres` dialect makes it offer `keyv.iterator()`. */
  readonly opts: { dialect: 'postgres'; url: string };
  /** Set by Keyv to its own namespace. */
  namespace?: string | undefined;
  readonly #ownsStore: boolean;
  #store: Promise<Store> | undefined;
  readonly #open: () => Promise<Store>;

  constructor(options: PgcacheKeyvStoreOptions = {}) {
    super();
    this.opts = {
      dialect: 'postgres',
      url: options.databaseUrl ?? `pgcache:${options.dataDir ?? '.pgcache'}`,
    };
    this.#ownsStore = options.store === undefined;
    const given = options.store;
    this.#open =
      given !== undefined
        ? () => Promise.resolve(given)
        : () =>
            openStore({
              ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
              ...(options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl }),
              ...(options.settings === undefined ? {} : { settings: options.settings }),
            });
  }

  async get<Value>(key: string): Promise<Value | undefined> {
    const entry = await this.#do((store) => store.get(this.#key(key)));
    return fromStoredValue(entry?.value) as Value | undefined;
  }

  async getMany<Value>(keys: string[]): Promise<(Value | undefined)[]> {
    const entries = await this.#do((store) => store.getMany(keys.map((k) => this.#key(k))));
    return entries.map((entry) => fromStoredValue(entry?.value) as Value | undefined);
  }

  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  async hasMany(keys: string[]): Promise<boolean[]> {
    return (await this.getMany(keys)).map((value) => value !== undefined);
  }

  /** Store `value` (Keyv's serialized envelope, kept as JSON); `ttl` in milliseconds, none (or 0) for never. */
  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    const stored = toStoredValue(value);
    await this.#do((store) => store.set(this.#key(key), stored, { ttlMs: ttlOf(ttl) }));
    return true;
  }

  /** Store every entry or none (one transaction). */
  async setMany(entries: { key: string; value: unknown; ttl?: number }[]): Promise<void> {
    const items = entries.map((e) => ({
      key: this.#key(e.key),
      value: toStoredValue(e.value),
      ttlMs: ttlOf(e.ttl),
    }));
    await this.#do((store) => store.setMany(items));
  }

  async delete(key: string): Promise<boolean> {
    return (await this.#do((store) => store.delete([this.#key(key)]))) > 0;
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    return (await this.#do((store) => store.delete(keys.map((k) => this.#key(k))))) > 0;
  }

  /**
   * Delete what this adapter's namespace wrote: `<namespace>:…`, or without a namespace only the
   * entries Keyv wrote without one (`%keyv:…`); and of those only Keyv's envelopes. Other
   * namespaces and entries written by anything else than Keyv are never touched.
   */
  async clear(): Promise<void> {
    const prefix = keyvPrefix(this.namespace);
    await this.#do((store) => store.deletePrefix(prefix, { envelopes: true }));
  }

  /** Yield `[key, value]` for every live entry of `namespace`, a page at a time. */
  async *iterator<Value>(namespace?: string): AsyncGenerator<[string, Value], void> {
    const prefix = keyvPrefix(namespace);
    let after: string | undefined;
    for (;;) {
      const page = await this.#do((store) => store.scan({ prefix, after, limit: PAGE }));
      for (const entry of page) {
        const raw = fromStoredValue(entry.value);
        // Keyv can only read what it wrote (text): an entry of another writer is not its own.
        if (typeof raw === 'string') yield [fromStoreKey(entry.key, namespace), raw as Value];
      }
      if (page.length < PAGE) return;
      after = page.at(-1)?.key;
    }
  }

  /** Close the store if this adapter opened it. */
  async disconnect(): Promise<void> {
    const opening = this.#store;
    this.#store = undefined;
    if (opening !== undefined && this.#ownsStore) await (await opening).close();
  }

  #key(key: string): string {
    return toStoreKey(key, this.namespace);
  }

  // A rejection reaches Keyv's `error` event as it is (its code and hint): Keyv catches it there.
  async #do<T>(fn: (store: Store) => Promise<T>): Promise<T> {
    return fn(await this.#opened());
  }

  #opened(): Promise<Store> {
    this.#store ??= this.#open().catch((error: unknown) => {
      this.#store = undefined;
      throw error;
    });
    return this.#store;
  }
}

function ttlOf(ttl: number | undefined): number {
  return typeof ttl === 'number' && Number.isFinite(ttl) && ttl > 0 ? ttl : 0;
}
