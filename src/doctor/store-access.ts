import type { Database } from '../db/database.js';
import type { Store } from '../store/store.js';

/** A read of `doctor`: past the breaker, so that a store whose breaker is open can be examined. */
export function inspect<T>(
  store: Store,
  name: string,
  fn: (db: Database) => Promise<T>,
): Promise<T> {
  return store.execute('read', name, fn, { bypassBreaker: true });
}

/** A repair of `doctor --fix` (an index build, a purge): alone, past the breaker, bound by the deadline. */
export function repair<T>(
  store: Store,
  name: string,
  fn: (db: Database) => Promise<T>,
): Promise<T> {
  return store.execute('write', name, fn, { bypassBreaker: true, exclusive: true });
}
