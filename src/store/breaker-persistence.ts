import type { Clock } from '../clock.js';
import type { Queryable } from '../db/database.js';
import type {
  BreakerSnapshot,
  CircuitBreaker,
  Subscription,
} from '../resilience/circuit-breaker.js';
import { META_KEYS, readMeta, readMetaPrefix, writeMeta } from './meta.js';

/** The persisted document of breaker `name`, or undefined (no record, or no table yet). */
export async function readBreakerDocument(db: Queryable, name: string): Promise<unknown> {
  try {
    return await readMeta<unknown>(db, `${META_KEYS.breakerPrefix}${name}`);
  } catch {
    return undefined; // a store whose bookkeeping table is not migrated yet
  }
}

/** Every persisted breaker, as snapshots, for `stats` in any process. */
export async function readBreakerSnapshots(db: Queryable): Promise<BreakerSnapshot[]> {
  const docs = await readMetaPrefix<BreakerSnapshot>(db, META_KEYS.breakerPrefix);
  return [...docs.values()].map(({ name, state, failures, openedAt, halfOpenAt }) => ({
    name,
    state,
    failures,
    openedAt,
    halfOpenAt,
  }));
}

/** The persistence of one breaker; `close()` stops it. */
export interface PersistedBreaker {
  /** Stop following the breaker, save its state if it changed since last saved, and wait. */
  close(): Promise<void>;
}

/**
 * Write the breaker's document to the store after every transition, so that `stats` and `doctor`
 * in another process see it. Writes go straight to the database (the breaker may be open), one
 * at a time and in order; a write that fails is reported and the next transition tries again.
 * `close()` saves the final state (failure count included) when it differs from what was saved.
 */
export function persistBreaker(
  breaker: CircuitBreaker,
  db: Queryable,
  clock: Clock,
  onWarning: ((message: string) => void) | undefined,
): PersistedBreaker {
  let chain: Promise<void> = Promise.resolve();
  const key = (s: BreakerSnapshot): string => `${s.state}/${s.failures}/${s.openedAt ?? ''}`;
  let saved = key(breaker.snapshot());
  const save = (): void => {
    const doc = breaker.toJSON();
    saved = key(doc);
    chain = chain
      .then(() =>
        writeMeta(db, `${META_KEYS.breakerPrefix}${breaker.name}`, doc, new Date(clock.now())),
      )
      .catch((error: unknown) => {
        onWarning?.(
          `breaker ${breaker.name} is ${doc.state}, but that could not be recorded: ${(error as Error).message}`,
        );
      });
  };
  const subscription: Subscription = breaker.onStateChange(save);
  return {
    close: async () => {
      subscription.dispose();
      if (key(breaker.snapshot()) !== saved) save();
      await chain;
    },
  };
}
