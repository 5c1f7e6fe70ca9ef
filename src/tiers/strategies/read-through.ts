import type { CacheStrategy } from './strategy.js';

/**
 * Read-through: a miss in L1 and L2 is loaded from the origin, which fills both. Writes go to the
 * cache only (L2, then L1); the origin is never written.
 */
export const readThrough: CacheStrategy = {
  name: 'read-through',
  readsOrigin: true,
  writesOrigin: false,
  write: (tiers, key, value, options) => tiers.cache(key, value, options),
  writeMany: (tiers, items, options) => tiers.cacheMany(items, options),
};
