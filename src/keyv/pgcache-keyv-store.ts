import { EventEmitter } from 'node:events';
import type { SettingKey } from '../config/settings.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { fromStoreKey, toStoreKey } from './keyv-keys.js';

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
    const entry = await (await this.#opened()).get(toStoreKey(key));
    return entry?.value as Value | undefined;
  }

  async getMany<Value>(keys: string[]): Promise<(Value | undefined)[]> {
    const entries = await (await this.#opened()).getMany(keys.map(toStoreKey));
    return entries.map((entry) => entry?.value as Value | undefined);
  }

  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  async hasMany(keys: string[]): Promise<boolean[]> {
    return (await this.getMany(keys)).map((value) => value !== undefined);
  }

  /** Store `value`; `ttl` in milliseconds, none (or 0) for never. */
  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    await (await this.#opened()).set(toStoreKey(key), value, { ttlMs: ttlOf(ttl) });
    return true;
  }

  /** Store every entry or none (one transaction). */
  async setMany(entries: { key: string; value: unknown; ttl?: number }[]): Promise<void> {
    const items = entries.map((e) => ({
      key: toStoreKey(e.key),
      value: e.value,
      ttlMs: ttlOf(e.ttl),
    }));
    await (await this.#opened()).setMany(items);
  }

  async delete(key: string): Promise<boolean> {
    return (await (await this.#opened()).delete([toStoreKey(key)])) > 0;
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    return (await (await this.#opened()).delete(keys.map(toStoreKey))) > 0;
  }

  /** Delete this namespace's entries (every entry when there is no namespace). */
  async clear(): Promise<void> {
    await (await this.#opened()).deletePrefix(this.#prefix(this.namespace));
  }

  /** Yield `[key, value]` for every live entry of `namespace`, a page at a time. */
  async *iterator<Value>(namespace?: string): AsyncGenerator<[string, Value], void> {
    const store = await this.#opened();
    const prefix = this.#prefix(namespace);
    let after: string | undefined;
    for (;;) {
      const page = await store.scan({ prefix, after, limit: PAGE });
      for (const entry of page) yield [fromStoreKey(entry.key), entry.value as Value];
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

  #prefix(namespace: string | undefined): string {
    return namespace === undefined || namespace === '' ? '' : `${toStoreKey(namespace)}:`;
  }

  #opened(): Promise<Store> {
    this.#store ??= this.#open().catch((error: unknown) => {
      this.#store = undefined;
      this.emit('error', error);
      throw error;
    });
    return this.#store;
  }
}

function ttlOf(ttl: number | undefined): number {
  return typeof ttl === 'number' && Number.isFinite(ttl) && ttl > 0 ? ttl : 0;
}
