/**
 * pgcache as a Keyv store:
 *
 * ```ts
 * import Keyv from 'keyv';
 * import { PgcacheKeyvStore } from 'pgcache/keyv';
 * const keyv = new Keyv({ store: new PgcacheKeyvStore({ dataDir: './.pgcache' }) });
 * ```
 */
export { PgcacheKeyvStore, type PgcacheKeyvStoreOptions } from './pgcache-keyv-store.js';
