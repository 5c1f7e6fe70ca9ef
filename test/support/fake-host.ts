import type { Host } from '../../src/platform/host.js';

/** A host whose live pids are scripted: `alive` lists the pids that exist. */
export function fakeHost(
  options: { pid?: number; hostname?: string; alive?: number[] } = {},
): Host {
  const alive = new Set(options.alive ?? []);
  return {
    pid: options.pid ?? 1000,
    hostname: options.hostname ?? 'test-host',
    isAlive: (pid) => alive.has(pid),
  };
}
