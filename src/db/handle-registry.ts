/** One open database handle, as the registry records it. */
export interface OpenHandle {
  readonly id: number;
  readonly kind: 'embedded' | 'wire';
  readonly location: string;
  /** Epoch milliseconds. */
  readonly openedAt: number;
  /** Where it was opened, to find a leak. */
  readonly openedBy: string;
}

interface Registry {
  nextId: number;
  handles: Map<number, OpenHandle>;
}

// Kept on globalThis so that two copies of this module in one process still share one count.
const KEY = Symbol.for('pgcache.handle-registry');
const registry: Registry = ((globalThis as Record<symbol, unknown>)[KEY] as
  Registry | undefined) ?? {
  nextId: 1,
  handles: new Map(),
};
(globalThis as Record<symbol, unknown>)[KEY] = registry;

/** Record an open handle; returns the function that removes it (call it once, on close). */
export function registerHandle(entry: Omit<OpenHandle, 'id' | 'openedBy'>): () => void {
  const id = registry.nextId++;
  const openedBy = (new Error().stack ?? '').split('\n').slice(2, 6).join('\n');
  registry.handles.set(id, { ...entry, id, openedBy });
  return () => void registry.handles.delete(id);
}

/** How many database handles this process has open now. */
export function openHandleCount(): number {
  return registry.handles.size;
}

/** The database handles this process has open now, oldest first. */
export function listOpenHandles(): OpenHandle[] {
  return [...registry.handles.values()];
}
