import type { DataDirLock } from '../db/data-dir-lock.js';
import type { MaintainReport } from '../maintain/maintain.js';
import type { Deadline } from '../resilience/deadline.js';
import type { SupervisedDatabase } from '../resilience/instance-supervisor.js';
import type { StoreStats } from './stats.js';
import type { Store } from './store.js';

/**
 * The two sides of owning a data directory while `serve` runs: the owner's store exposes its
 * instance and lock to `serve` ({@link ownedStoreOf}); a store that reaches the directory
 * through `serve` asks the owner for what only the owner knows ({@link OwnerApi}).
 */

/** What a store reached through `serve` asks of the owning process. */
export interface OwnerApi {
  /** The owner's `stats` document (its queue, breakers and wire clients). */
  stats(options: { deadline: Deadline }): Promise<StoreStats>;
  /** A maintenance run by the owner, after any run already going. */
  maintain(options: { dryRun: boolean; deadline: Deadline }): Promise<MaintainReport>;
}

/** What `serve` needs of a store that owns its embedded data directory. */
export interface OwnedStore {
  /** The supervised embedded instance the store runs on (the wire endpoint shares it). */
  readonly database: SupervisedDatabase;
  /** The data-directory lock, where `serve` advertises its endpoints. */
  readonly lock: DataDirLock;
}

const owned = new WeakMap<Store, OwnedStore>();

/** Record that `store` owns an embedded data directory (called by `openStore`). */
export function registerOwnedStore(store: Store, ownership: OwnedStore): void {
  owned.set(store, ownership);
}

/** The embedded instance and lock behind `store`, or undefined for a server or a routed store. */
export function ownedStoreOf(store: Store): OwnedStore | undefined {
  return owned.get(store);
}
