import { errorCode, EXPLICIT_REJECTIONS } from '../load/recorder.js';
import { measured, type ScenarioDefinition } from './scenario.js';

/** Settings of the burst's store: a queue small enough for the burst to overrun it many times. */
const SMALL_QUEUE = { readConcurrency: 2, writeConcurrency: 2, maxLength: 16, waitTimeoutMs: 250 };
const BURST = 300;

/**
 * Far more calls at once than the queue holds (2 + 16 per lane): every failure must be an
 * explicit rejection (queue full, queue wait, deadline, circuit open) — no WASM error, no
 * hang — and the store must answer normally right after.
 */
export const burstScenario: ScenarioDefinition = {
  id: 'burst',
  description: `${BURST} operations at once against a queue of 2 running + 16 waiting per lane`,
  source: "seed 000 stress scenarios ('gracefully degrade under extreme load (100+ ops)')",
  extras: { unexplainedErrors: 'count', healthy: 'count' },
  tunable: [],
  needs: ['tuned-queue'],
  async run(ctx) {
    const client = await ctx.source.client({ queue: SMALL_QUEUE });
    const workload = ctx.workload({ keys: 100, readRatio: 0.5 });
    const load = { model: 'closed', concurrency: BURST, ops: BURST } as const;
    const stoppedBy = await ctx.driveWorkload(load, workload, client);
    const unexplained = ctx.recorder.countErrors((code) => !EXPLICIT_REJECTIONS.has(code));
    let afterwards = 'answered a write and a read right after';
    const key = workload.key(0);
    const healthy = await client
      .write(key, workload.value())
      .then(() => client.read(key))
      .catch((error: unknown) => {
        afterwards = `failed right after with ${errorCode(error)}`;
        return false;
      });
    return {
      load,
      stoppedBy,
      metrics: {
        unexplainedErrors: measured(unexplained, ctx.recorder.attempted),
        healthy: measured(healthy ? 1 : 0, 1),
      },
      notes: [
        `${ctx.recorder.failed} of ${ctx.recorder.attempted} calls were turned away, ${unexplained} of them other than by an explicit rejection; the store ${afterwards}`,
      ],
    };
  },
};
