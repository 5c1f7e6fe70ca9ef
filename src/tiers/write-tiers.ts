import type { Clock } from '../clock.js';
import type { Deadline } from '../resilience/deadline.js';
import type { Entry } from '../store/entry.js';
import { encodeEntry } from '../store/entry-codec.js';
import { parseKey } from '../store/keys.js';
import type { Store } from '../store/store.js';
import type { GuardedOrigin } from './guarded-origin.js';
import type { MemoryTier } from './memory-tier.js';
import type { WriteTiers } from './strategies/index.js';

/** What the strategies' view of the tiers is made of. */
export interface WriteTiersDeps {
  readonly store: Store;
  readonly memory: MemoryTier;
  readonly clock: Clock;
  readonly maxEntryBytes: number;
  /** The origin, or a configuration error when there is none. */
  readonly origin: () => GuardedOrigin;
  /** A deadline for a call made without one. */
  readonly deadline: () => Deadline;
  readonly onWarning?: ((message: string) => void) | undefined;
}

/** The tiers as the strategies write to them: L2 then L1, the origin, invalidation. */
export function makeWriteTiers(deps: WriteTiersDeps): WriteTiers {
  const { store, memory, clock } = deps;
  return {
    clock,
    encode: (key, value) => encodeEntry(key, value, deps.maxEntryBytes).json,
    cache: async (key, value, options) => {
      const written = await store.set(key, value, options);
      memory.set({ ...written, value });
      return written;
    },
    cacheMany: async (items, options) => {
      const written = await store.setMany(items, options);
      for (const item of items) memory.delete(item.key);
      return written;
    },
    origin: (key, body, deadline) => deps.origin().put(key, body, deadline ?? deps.deadline()),
    invalidate: async (key, deadline) => {
      memory.delete(key);
      await store.delete([key], { deadline }).catch((error: unknown) => {
        deps.onWarning?.(`${key} could not be dropped from the cache: ${(error as Error).message}`);
      });
    },
  };
}

/** An entry for a value that is not cached (read from L3 only, or a fill that failed). */
export function transientEntry(key: string, value: unknown, now: Date): Entry {
  const parsed = parseKey(key);
  return {
    key,
    kind: parsed.kind,
    namespace: parsed.namespace,
    framework: parsed.framework,
    sizeBytes: Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8'),
    expiresAt: now,
    value,
  };
}
