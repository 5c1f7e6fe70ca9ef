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

/**
 * Write the breaker's document to the store after every transition, so that `stats` and `doctor`
 * in another process see it. Writes go straight to the database (the breaker may be open), one
 * at a time and in order; a write that fails is reported and the next transition tries again.
 */
export function persistBreaker(
  breaker: CircuitBreaker,
  db: Queryable,
  clock: Clock,
  onWarning: ((message: string) => void) | undefined,
): Subscription {
  let chain: Promise<void> = Promise.resolve();
  return breaker.onStateChange(() => {
    const doc = breaker.toJSON();
    chain = chain
      .then(() =>
        writeMeta(db, `${META_KEYS.breakerPrefix}${breaker.name}`, doc, new Date(clock.now())),
      )
      .catch((error: unknown) => {
        onWarning?.(
          `breaker ${breaker.name} is ${doc.state}, but that could not be recorded: ${(error as Error).message}`,
        );
      });
  });
}
