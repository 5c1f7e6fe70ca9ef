import type { BenchCase } from '../case.js';

/** A bare in-memory Map behind the same async interface: the floor for any cache. */
export const mapCase: BenchCase = {
  name: 'Map',
  description: 'in-memory Map (the floor for any cache)',
  floor: 'map',
  open: () => {
    const map = new Map<string, unknown>();
    return Promise.resolve({
      get: async (key: string) => map.get(key),
      set: async (key: string, value: unknown) => map.set(key, value),
      close: async () => map.clear(),
    });
  },
};
