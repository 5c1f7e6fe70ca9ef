import { openStore } from '../../src/store/open-store.js';
import type { BenchCase } from '../case.js';

// The pgcache store as a library user opens it: every call takes the full resilience path.
function storeCase(name: string, thread: boolean, where: string): BenchCase {
  return {
    name,
    description: `openStore(${thread ? '{ thread: true }' : ''}): store.get/store.set through deadline, queue, breaker, retry, timeout; PGlite ${where}`,
    floor: 'pglite',
    open: async (env) => {
      const store = await openStore({ dataDir: env.dataDir(), thread });
      return {
        get: async (key) => (await store.get(key))?.value,
        set: (key, value) => store.set(key, value),
        settle: () => store.flush(),
        close: () => store.close(),
      };
    },
  };
}

/** The default: PGlite in the caller's thread. */
export const pgcacheStoreCase = storeCase('pgcache store', false, "in the caller's thread");

/** What `serve` uses: PGlite in a worker thread of its own. */
export const pgcacheStoreThreadCase = storeCase(
  'pgcache store, thread',
  true,
  'in a thread of its own',
);
