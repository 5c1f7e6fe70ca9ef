import { openStore } from '../../src/store/open-store.js';
import type { BenchCase } from '../case.js';

/** The pgcache store as a library user opens it: every call takes the full resilience path. */
export const pgcacheStoreCase: BenchCase = {
  name: 'pgcache store',
  description: 'openStore(): store.get/store.set through deadline, queue, breaker, retry, timeout',
  floor: 'pglite',
  open: async (env) => {
    const store = await openStore({ dataDir: env.dataDir() });
    return {
      get: async (key) => (await store.get(key))?.value,
      set: (key, value) => store.set(key, value),
      settle: () => store.flush(),
      close: () => store.close(),
    };
  },
};
