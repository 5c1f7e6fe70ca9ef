import type { Timer } from '../../clock.js';
import type { MemoryFigures } from '../../platform/host.js';
import {
  callFor,
  measured,
  preload,
  type ScenarioContext,
  type ScenarioDefinition,
} from './scenario.js';

const SAMPLE_EVERY_MS = 500;

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const growth = (from: number, to: number): number => ((to - from) / from) * 100;

/**
 * A longer mixed load on the shared store. RSS and heap are read after a full garbage
 * collection at two points: when the warm-up ends, and when the load ends, so the heap figures
 * hold live data only (a heap read between collections mostly measures garbage). RSS is also
 * sampled during the run for its peak.
 */
export const memoryScenario: ScenarioDefinition = {
  id: 'memory',
  description: 'RSS and heap after a 3s warm-up vs after 12s of mixed load (10 callers)',
  source: 'seed 000 Success Criteria and seed 001 Success Metrics (memory stable under load)',
  extras: { rssGrowth: 'percent', heapGrowth: 'percent' },
  tunable: ['concurrency', 'ratePerSec', 'ops', 'durationMs', 'warmupMs'],
  needs: ['this-process'],
  async run(ctx) {
    const client = await ctx.source.client();
    const workload = ctx.workload({ keys: 1000, readRatio: 0.8 });
    await preload(client, workload);
    const load = ctx.load({ model: 'closed', concurrency: 10, durationMs: 12_000, warmupMs: 3000 });
    let before: MemoryFigures | undefined;
    let collected = true;
    const settled = (): MemoryFigures => {
      collected = ctx.probe.collectGarbage() && collected;
      return ctx.probe.memoryUsage();
    };
    const peak = sampleRss(ctx);
    let stoppedBy;
    try {
      stoppedBy = await ctx.drive(load, () => callFor(client, workload.next()), {
        onMeasuring: () => void (before = settled()),
      });
    } finally {
      peak.stop();
    }
    const after = settled();
    const notes = [
      before === undefined
        ? 'the load ended before measuring began'
        : `RSS ${mib(before.rss)} → ${mib(after.rss)} (peak ${mib(peak.max())}), heap ${mib(before.heapUsed)} → ${mib(after.heapUsed)}${collected ? ', each after a full garbage collection' : ' (garbage collection was not available: heap figures include garbage)'}`,
    ];
    const samples = before === undefined ? 0 : ctx.recorder.attempted;
    const change = (pick: (m: MemoryFigures) => number) =>
      measured(before === undefined ? Number.NaN : growth(pick(before), pick(after)), samples);
    return {
      load,
      stoppedBy,
      metrics: { rssGrowth: change((m) => m.rss), heapGrowth: change((m) => m.heapUsed) },
      notes,
    };
  },
};

function sampleRss(ctx: ScenarioContext): { stop(): void; max(): number } {
  let max = ctx.probe.memoryUsage().rss;
  let timer: Timer | undefined;
  const tick = (): void => {
    max = Math.max(max, ctx.probe.memoryUsage().rss);
    timer = ctx.clock.setTimer(SAMPLE_EVERY_MS, tick);
  };
  tick();
  return { stop: () => timer?.cancel(), max: () => max };
}
