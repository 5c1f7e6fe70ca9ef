import { measured, preload, type ScenarioDefinition } from './scenario.js';

/**
 * 50 operations at once on a store of its own (so the queue's figures are this load's alone):
 * how long calls wait for a slot in the bulkhead, as the queue itself measures it.
 */
export const queueWaitScenario: ScenarioDefinition = {
  id: 'queue-wait',
  description: 'time calls wait for a queue slot with 50 operations in flight (1,000 in all)',
  source: 'seed 000 Success Criteria (queue latency < 100ms for the 95th percentile)',
  extras: {
    'queueWait.p95': 'time',
    'queueWait.p99': 'time',
    'queueWait.max': 'time',
    'queueWait.mean': 'time',
  },
  tunable: ['concurrency', 'ratePerSec', 'ops', 'durationMs', 'warmupMs'],
  needs: ['own-queue'],
  async run(ctx) {
    const client = await ctx.source.client({});
    const workload = ctx.workload({ keys: 1000, readRatio: 0.8 });
    await preload(client, workload);
    const load = ctx.load({ model: 'closed', concurrency: 50, ops: 1000 });
    const stoppedBy = await ctx.driveWorkload(load, workload, client);
    const { queueWaitMs: wait } = await client.figures();
    return {
      load,
      stoppedBy,
      metrics: {
        'queueWait.p95': measured(wait.p95, wait.count),
        'queueWait.p99': measured(wait.p99, wait.count),
        'queueWait.max': measured(wait.max, wait.count),
        'queueWait.mean': measured(wait.mean, wait.count),
      },
    };
  },
};
