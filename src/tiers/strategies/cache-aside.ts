import type { CacheStrategy } from './strategy.js';

/**
 * Cache-aside: the cache never talks to the origin on its own. A read looks in L1 and L2 only (a
 * miss is a miss: the application loads the value from its source and writes it with `set`);
 * writes go to the cache only.
 */
export const cacheAside: CacheStrategy = {
  name: 'cache-aside',
  readsOrigin: false,
  writesOrigin: false,
  write: (tiers, key, value, options) => tiers.cache(key, value, options),
  writeMany: (tiers, items, options) => tiers.cacheMany(items, options),
};
