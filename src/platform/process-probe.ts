import process from 'node:process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Memory of this process, in bytes. */
export interface MemoryFigures {
  /** Resident set size: what the machine gives the process (PGlite's WASM memory included). */
  readonly rssBytes: number;
  /** Live JavaScript heap. */
  readonly heapUsedBytes: number;
}

/**
 * What `pgcache stress` reads about its own process: memory, and the handles and requests that
 * keep the event loop alive (a leaked socket, timer or file handle shows here).
 */
export interface ProcessProbe {
  memory(): MemoryFigures;
  /**
   * Run a full garbage collection now, so that the heap holds live data only; false when this
   * runtime does not allow it (the heap then includes garbage not collected yet).
   */
  collectGarbage(): boolean;
  /** One entry per active resource, by type (`Timeout`, `FSReqCallback`, `TCPWrap`…). */
  activeResources(): readonly string[];
}

let gc: (() => void) | null | undefined;

// `--expose-gc` can be set once the process runs; a fresh context then sees `gc`.
function garbageCollector(): (() => void) | null {
  if (gc !== undefined) return gc;
  try {
    setFlagsFromString('--expose-gc');
    const found: unknown = runInNewContext('typeof gc === "function" ? gc : null');
    gc = typeof found === 'function' ? (found as () => void) : null;
  } catch {
    gc = null;
  }
  return gc;
}

/** The real process: `process.memoryUsage()`, V8's collector, `process.getActiveResourcesInfo()`. */
export const nodeProcessProbe: ProcessProbe = {
  memory() {
    const usage = process.memoryUsage();
    return { rssBytes: usage.rss, heapUsedBytes: usage.heapUsed };
  },
  collectGarbage() {
    const collect = garbageCollector();
    collect?.();
    return collect !== null;
  },
  activeResources: () => process.getActiveResourcesInfo(),
};
