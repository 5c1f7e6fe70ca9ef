import type { Transaction } from '../../db/database.js';
import { enqueueOutbox } from '../outbox.js';
import type { CacheStrategy } from './strategy.js';

/**
 * Write-behind: a write goes to L2 and, in the same transaction, into the outbox; then to L1. It
 * is acknowledged before the origin sees it; the outbox flusher (in `serve` and `maintain`) sends
 * it later, with retries, and nothing acknowledged is lost if the process dies. Reads as
 * read-through.
 */
export const writeBehind: CacheStrategy = {
  name: 'write-behind',
  readsOrigin: true,
  writesOrigin: true,
  write(tiers, key, value, options) {
    const body = tiers.encode(key, value);
    const also = (tx: Transaction): Promise<void> =>
      enqueueOutbox(tx, [{ key, body }], new Date(tiers.clock.now()));
    return tiers.cache(key, value, { ...options, also });
  },
  writeMany(tiers, items, options) {
    const bodies = items.map((item) => ({
      key: item.key,
      body: tiers.encode(item.key, item.value),
    }));
    const also = (tx: Transaction): Promise<void> =>
      enqueueOutbox(tx, bodies, new Date(tiers.clock.now()));
    return tiers.cacheMany(items, { ...options, also });
  },
};
