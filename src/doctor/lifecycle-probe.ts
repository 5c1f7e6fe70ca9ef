import { countResources, settledCensus } from '../resource-census.js';
import { listOpenHandles, type OpenHandle } from '../db/handle-registry.js';
import { isPgcacheError } from '../errors/index.js';
import type { Host } from '../platform/host.js';
import type { DoctorContext } from './doctor-context.js';

/** What the lifecycle probe saw. */
export interface ProbeReport {
  /** Open/close cycles completed. */
  readonly cycles: number;
  /** How long each open took, in milliseconds. */
  readonly openMs: readonly number[];
  /** Database handles already open in this process before the probe. */
  readonly openBefore: readonly OpenHandle[];
  /** Handles opened during the probe and still open after it. */
  readonly leakedHandles: readonly OpenHandle[];
  /** Event-loop resources the probe left behind, e.g. `TCPSocketWrap ×2`. */
  readonly leakedResources: readonly string[];
  /**
   * The smallest growth of heap + external memory (after a GC) from one cycle to the next, or
   * null with fewer than three cycles.
   */
  readonly memoryGrowthBytes: number | null;
  /** Why a cycle could not open the store, if one could not. */
  readonly error?: string;
}

/** What the probe opens and closes each cycle: the store, or a wire connection to `serve`. */
export interface ProbeTarget {
  /** What a cycle does, for messages, e.g. `open the store`. */
  readonly action: string;
  /** Open one connection; `ping` runs one statement on it. */
  open(): Promise<{ ping(): Promise<unknown>; close(): Promise<void> }>;
}

/** Open the store itself each cycle (never under a live owner: see `ownerProbeTarget`). */
export function storeProbeTarget(ctx: DoctorContext): ProbeTarget {
  return {
    action: 'open the store',
    async open() {
      const store = await ctx.openStore();
      return {
        ping: () =>
          store.execute('read', 'doctor.probe', (db) => db.query('SELECT 1'), {
            bypassBreaker: true,
          }),
        close: () => store.close(),
      };
    },
  };
}

/**
 * Open and close `target` `thresholds.probeCycles` times in this process, with one statement
 * each, and compare the handle registry, the event loop's active resources and memory with
 * where they started. A store that leaks leaves a handle (and its lock) behind; a pool that is
 * not ended leaves sockets; an instance kept alive keeps its WebAssembly memory.
 */
export async function runLifecycleProbe(
  ctx: DoctorContext,
  target: ProbeTarget,
): Promise<ProbeReport> {
  const { host, clock } = ctx.deps;
  const openBefore = listOpenHandles();
  const known = new Set(openBefore.map((h) => h.id));
  const baseline = countResources(host.activeResources());
  const openMs: number[] = [];
  const memory: number[] = [];
  let error: string | undefined;
  for (let cycle = 1; cycle <= ctx.thresholds.probeCycles; cycle += 1) {
    const started = ctx.now();
    let opened: Awaited<ReturnType<ProbeTarget['open']>>;
    try {
      opened = await target.open();
    } catch (thrown) {
      error = `cycle ${cycle} could not ${target.action}: ${describe(thrown)}`;
      break;
    }
    openMs.push(ctx.now() - started);
    try {
      await opened.ping();
    } catch (thrown) {
      error = `cycle ${cycle}: a statement failed: ${describe(thrown)}`;
    } finally {
      await opened.close();
    }
    if (error !== undefined) break;
    memory.push(measureMemory(host));
  }
  const { extra } = await settledCensus(
    () => countResources(host.activeResources()),
    baseline,
    clock,
  );
  const leakedResources = extra.map(([name, n]) => `${name} ×${n}`);
  // A leak grows memory at every cycle; caches and GC timing move it once. Take the smallest step.
  const steps = memory.slice(1).map((m, i) => m - (memory[i] ?? m));
  return {
    cycles: openMs.length,
    openMs,
    openBefore,
    leakedHandles: listOpenHandles().filter((h) => !known.has(h.id)),
    leakedResources,
    memoryGrowthBytes: steps.length >= 2 ? Math.min(...steps) : null,
    ...(error === undefined ? {} : { error }),
  };
}

function describe(error: unknown): string {
  return isPgcacheError(error) ? error.message : String(error);
}

function measureMemory(host: Host): number {
  host.collectGarbage();
  const { heapUsed, external } = host.memoryUsage();
  return heapUsed + external;
}
