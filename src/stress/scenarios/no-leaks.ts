import { sleep } from '../../clock.js';
import { type Census, countResources, settledCensus } from '../../resource-census.js';
import { openHandleCount } from '../../db/handle-registry.js';
import { callFor, measured, type ScenarioDefinition } from './scenario.js';

/** What keeps the event loop alive, by resource type, plus pgcache's own database handles. */
function census(resources: readonly string[]): Census {
  return new Map([['pgcache database handles', openHandleCount()], ...countResources(resources)]);
}

/**
 * Open a store of its own, run 1,000 mixed operations with 20 callers, close it, and compare
 * this process's database handles and active resources (`process.getActiveResourcesInfo()`)
 * with what they were before it opened: every handle, timer and file request must be gone.
 */
export const noLeaksScenario: ScenarioDefinition = {
  id: 'no-leaks',
  description:
    'open a store, 1,000 mixed operations with 20 callers, close: handles and active resources back to their baseline',
  source: 'seed 001 Success Metrics and Acceptance Criteria (no resource leaks, proper disposal)',
  extras: { leaks: 'count' },
  tunable: ['concurrency', 'ops'],
  needs: ['this-process'],
  async run(ctx) {
    await ctx.source.release();
    await sleep(ctx.clock, 50);
    const before = census(ctx.probe.activeResources());
    const client = await ctx.source.client({});
    const workload = ctx.workload({ keys: 200, readRatio: 0.5 });
    const load = ctx.load({ model: 'closed', concurrency: 20, ops: 1000 });
    const stoppedBy = await ctx.drive(load, () => callFor(client, workload.next()));
    await ctx.source.release();
    const { census: after, extra: leaked } = await settledCensus(
      () => census(ctx.probe.activeResources()),
      before,
      ctx.clock,
    );
    const leaks = leaked.reduce((sum, [, extra]) => sum + extra, 0);
    const show = (counts: Census): string =>
      [...counts].map(([type, n]) => `${type} ${n}`).join(', ');
    return {
      load,
      stoppedBy,
      metrics: { leaks: measured(leaks, 1) },
      notes: [
        leaks === 0
          ? `back to baseline after close: ${show(after)}`
          : `left behind: ${leaked.map(([type, n]) => `${n} ${type}`).join(', ')} (before: ${show(before)})`,
      ],
    };
  },
};
