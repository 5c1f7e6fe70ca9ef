import type { PgcacheConfig } from '../config/load-config.js';
import type { Deadline } from '../resilience/deadline.js';
import type { Store } from '../store/store.js';
import { openTieredCache } from '../tiers/open-tiered-cache.js';
import type { TieredCache } from '../tiers/tiered-cache.js';
import type { CliContext } from './context.js';
import type { GlobalFlags } from './flags.js';
import { warn, withStore, type CommandStoreOptions } from './with-store.js';

/**
 * Like `withStore`, with the tiered cache on top (L1 starts empty in each CLI process); the cache
 * is closed before the store, after its last origin request.
 */
export function withTieredCache<T>(
  ctx: CliContext,
  flags: GlobalFlags,
  options: CommandStoreOptions,
  fn: (cache: TieredCache, deadline: Deadline, store: Store, config: PgcacheConfig) => Promise<T>,
): Promise<T> {
  return withStore(ctx, flags, options, async (store, deadline, config) => {
    const cache = await openTieredCache(store, {
      config,
      env: ctx.env,
      clock: ctx.clock,
      onWarning: (message) => warn(ctx, message),
    });
    try {
      return await fn(cache, deadline, store, config);
    } finally {
      await cache.close();
    }
  });
}
