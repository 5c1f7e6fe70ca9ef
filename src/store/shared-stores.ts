import type { StoreCore } from './store-core.js';
import { Store } from './store.js';

/** An open store and what it is shared under. */
export interface OpenedCore {
  readonly core: StoreCore;
  /** Called for every handle made on the core (the control owner records each). */
  readonly onHandle: (handle: Store) => void;
}

/** One location open in this process. */
interface Shared {
  readonly opening: Promise<OpenedCore>;
  /** What the store was opened with; another open must ask for the same. */
  readonly fingerprint: string;
  handles: number;
  /** Set when the last handle closed: a new open waits for it, then opens the location again. */
  closing?: Promise<void>;
}

const shared = new Map<string, Shared>();

/**
 * A handle on the store open at `location` in this process, opening it with `open` when none is:
 * stores are reference-counted, and the last handle's `close()` closes the store. `fingerprint`
 * names the configuration: an open with another one is never given settings it did not ask for.
 */
export async function openShared(
  location: string,
  fingerprint: string,
  open: () => Promise<OpenedCore>,
): Promise<Store> {
  for (;;) {
    const current = shared.get(location);
    if (current?.closing !== undefined) {
      await current.closing;
      continue;
    }
    if (current === undefined) {
      const entry: Shared = { opening: open(), fingerprint, handles: 0 };
      shared.set(location, entry);
      entry.opening.catch(() => {
        if (shared.get(location) === entry) shared.delete(location);
      });
      return handleOn(location, entry);
    }
    // Other settings make a store of their own: on a server that is fine, and a data directory
    // refuses it (E_STORE_LOCKED), so that a command in the owner's process goes through its
    // control socket like any other.
    if (current.fingerprint !== fingerprint) return openAlone(open);
    return handleOn(location, current);
  }
}

/** The only handle on a store of its own, closed with it. */
export async function openAlone(open: () => Promise<OpenedCore>): Promise<Store> {
  const { core, onHandle } = await open();
  const store = new Store(core, () => core.close());
  onHandle(store);
  return store;
}

async function handleOn(location: string, entry: Shared): Promise<Store> {
  entry.handles += 1;
  let opened: OpenedCore;
  try {
    opened = await entry.opening;
  } catch (error) {
    entry.handles -= 1;
    throw error;
  }
  const handle = new Store(opened.core, async () => {
    entry.handles -= 1;
    if (entry.handles > 0) return;
    entry.closing = opened.core.close().finally(() => {
      if (shared.get(location) === entry) shared.delete(location);
    });
    await entry.closing;
  });
  opened.onHandle(handle);
  return handle;
}
