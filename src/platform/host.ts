import { hostname } from 'node:os';
import process from 'node:process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Memory figures of this process, in bytes (a subset of `process.memoryUsage()`). */
export interface MemoryFigures {
  readonly rss: number;
  readonly heapUsed: number;
  /** The JS heap's size (used and free). */
  readonly heapTotal: number;
  /** Memory outside the JS heap: buffers and WebAssembly memories (PGlite lives here). */
  readonly external: number;
}

/**
 * What the core needs to know about the machine and this process: the one place in src/ that
 * reads the process, so that the lock can tell a live owner from a stale one and `doctor` can
 * see what this process holds open.
 */
export interface Host {
  /** This process's id. */
  readonly pid: number;
  /** This machine's host name. */
  readonly hostname: string;
  /** The running Node.js version, e.g. `20.20.2`. */
  readonly nodeVersion: string;
  /** The operating system and CPU architecture, e.g. `linux-x64`. */
  readonly platform: string;
  /** This process's user id; `undefined` where the platform has none (Windows). */
  readonly uid: number | undefined;
  /** True when a process with `pid` exists on this machine. */
  isAlive(pid: number): boolean;
  /** The kinds of resources keeping the event loop alive now, one entry per resource. */
  activeResources(): string[];
  /** Memory figures of this process now. */
  memoryUsage(): MemoryFigures;
  /** Run a full garbage collection, so that memory figures compare; false when it cannot. */
  collectGarbage(): boolean;
  /**
   * This process's standard Prometheus families (`process_*`, `nodejs_*`) in text format; the
   * first call starts the collectors (event-loop delay, garbage collection).
   */
  processMetrics(): Promise<string>;
}

/** What `pgcache stress` reads about its own process: memory, the collector, live resources. */
export type ProcessProbe = Pick<Host, 'memoryUsage' | 'collectGarbage' | 'activeResources'>;

let gc: (() => void) | null | undefined;

/** The real host: `process.pid`, `os.hostname()`, signal 0 to probe a pid, and so on. */
export const nodeHost: Host = {
  pid: process.pid,
  hostname: hostname(),
  nodeVersion: process.versions.node,
  platform: `${process.platform}-${process.arch}`,
  uid: typeof process.getuid === 'function' ? process.getuid() : undefined,
  isAlive(pid) {
    if (!Number.isInteger(pid) || pid <= 0) return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      // EPERM: the process exists but belongs to someone else.
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
  activeResources: () => process.getActiveResourcesInfo(),
  memoryUsage() {
    const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
    return { rss, heapUsed, heapTotal, external };
  },
  collectGarbage() {
    // Without --expose-gc, the flag can still be turned on and gc() fetched from a new context;
    // a runtime that refuses is asked once.
    if (gc === undefined) {
      try {
        setFlagsFromString('--expose-gc');
        const found: unknown = runInNewContext('typeof gc === "function" ? gc : null');
        gc = typeof found === 'function' ? (found as () => void) : null;
      } catch {
        gc = null;
      }
    }
    gc?.();
    return gc !== null;
  },
  // prom-client loads only when asked (serve's /metrics), never at every command's start.
  processMetrics: async () => (await import('./process-metrics.js')).processMetricsText(),
};
