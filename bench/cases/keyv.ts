import Keyv from 'keyv';
import { PgcacheKeyvStore } from '../../src/keyv/index.js';
import { openStore } from '../../src/store/open-store.js';
import type { BenchCase } from '../case.js';

/** Keyv 5 with the pgcache adapter, as a Keyv or cache-manager user would run it. */
export const keyvCase: BenchCase = {
  name: 'Keyv + pgcache',
  description: 'new Keyv({ store: new PgcacheKeyvStore({ store }) }): keyv.get/keyv.set',
  floor: 'pglite',
  open: async (env) => {
    const store = await openStore({ dataDir: env.dataDir() });
    const keyv = new Keyv({ store: new PgcacheKeyvStore({ store }) });
    return {
      get: (key) => keyv.get(key),
      set: (key, value) => keyv.set(key, value),
      settle: () => store.flush(),
      close: async () => {
        await keyv.disconnect();
        await store.close();
      },
    };
  },
};
