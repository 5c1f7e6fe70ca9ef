import { UsageError } from '../../errors/index.js';
import type { CacheStrategy } from './strategy.js';

/**
 * Write-through: a write goes to the origin first and, once it accepted it, to L2 and L1; when the
 * origin fails nothing is cached and the write fails. When the cache write fails after the origin
 * accepted it, the key is dropped from the cache so that no older copy is served. Reads as
 * read-through. A batch is refused: the origin has no all-or-nothing batch.
 */
export const writeThrough: CacheStrategy = {
  name: 'write-through',
  readsOrigin: true,
  writesOrigin: true,
  async write(tiers, key, value, options) {
    await tiers.origin(key, tiers.encode(key, value), options.deadline);
    try {
      return await tiers.cache(key, value, options);
    } catch (error) {
      await tiers.invalidate(key, options.deadline);
      throw error;
    }
  },
  writeMany() {
    return Promise.reject(
      new UsageError('set --batch cannot be all-or-nothing under write-through', {
        hint: 'Use --strategy write-behind for batches (sent to the origin after the commit), or set the keys one by one.',
      }),
    );
  },
};
