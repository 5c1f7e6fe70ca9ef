import type { DataDirLock } from '../db/data-dir-lock.js';
import type { SupervisedDatabase } from '../resilience/instance-supervisor.js';
import type { Store } from './store.js';

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
