import type { Host } from '../../src/platform/host.js';

/** A host whose live pids are scripted: `alive` lists the pids that exist. */
export function fakeHost(
  options: { pid?: number; hostname?: string; alive?: number[] } & Partial<
    Pick<Host, 'nodeVersion' | 'uid'>
  > = {},
): Host {
  const alive = new Set(options.alive ?? []);
  return {
    pid: options.pid ?? 1000,
    hostname: options.hostname ?? 'test-host',
    nodeVersion: options.nodeVersion ?? '20.20.2',
    platform: 'linux-x64',
    uid: options.uid ?? 1000,
    isAlive: (pid) => alive.has(pid),
    activeResources: () => [],
    memoryUsage: () => ({ rss: 0, heapUsed: 0, heapTotal: 0, external: 0 }),
    collectGarbage: () => false,
    processMetrics: () => Promise.resolve(''),
  };
}
