import { openStore } from '../../src/store/open-store.js';
import { openTieredCache } from '../../src/tiers/open-tiered-cache.js';
import type { BenchCase } from '../case.js';

/**
 * The pgcache store with its in-memory L1 tier in front (`openTieredCache`): gets are L1 hits
 * once the keys are seeded (the seeding writes fill L1), sets write L2 then L1. Target: an L1 hit
 * within 2× of a bare Map read.
 */
export const pgcacheL1Case: BenchCase = {
  name: 'pgcache + L1',
  description: 'pgcache store with the in-memory L1 tier (gets are L1 hits)',
  floor: 'map',
  open: async (env) => {
    const store = await openStore({ dataDir: env.dataDir() });
    const cache = await openTieredCache(store, { settings: { 'memory.maxBytes': '64MiB' } });
    return {
      get: async (key) => (await cache.get(key))?.entry.value,
      set: (key, value) => cache.set(key, value),
      settle: () => store.flush(),
      close: async () => {
        await cache.close();
        await store.close();
      },
    };
  },
};
