import { sleep } from '../../clock.js';
import { errorCode } from '../load/recorder.js';
import { measured, type ScenarioContext, type ScenarioDefinition } from './scenario.js';
import type { StressClient } from '../load/load-source.js';

const THRESHOLD = 5;
const HALF_OPEN_AFTER_MS = 250;
const ROUNDS = 3;
/** Give up on a breaker that has not closed after this long (the target is < 60 s). */
const GIVE_UP_MS = 60_000;

/**
 * Fail the store's statements (as lost connections) until its breaker opens, stop the faults,
 * and time how long until a call succeeds again, i.e. until the breaker closes. One attempt per
 * call and a 250 ms half-open delay, so a round takes well under a second.
 */
export const breakerRecoveryScenario: ScenarioDefinition = {
  id: 'breaker-recovery',
  description: `open the breaker with injected failures, stop them, time until it closes (half-open after ${HALF_OPEN_AFTER_MS}ms), ${ROUNDS} rounds`,
  source: 'seed 000 Success Criteria (circuit breaker recovery time < 60 seconds)',
  extras: { recovery: 'time' },
  tunable: [],
  needs: ['this-process'],
  async run(ctx) {
    const client = await ctx.source.client({
      retry: { attempts: 1 },
      breaker: { threshold: THRESHOLD, halfOpenAfterMs: HALF_OPEN_AFTER_MS },
      faults: true,
    });
    const key = ctx.workload({ keys: 1 }).key(0);
    await client.write(key, { probe: true });
    const times: number[] = [];
    const notes: string[] = [];
    for (let round = 1; round <= ROUNDS && ctx.signal?.aborted !== true; round += 1) {
      if (!(await openBreaker(ctx, client, key))) {
        notes.push(`round ${round}: the breaker did not open after ${THRESHOLD * 4} failing calls`);
        break;
      }
      const recovery = await timeRecovery(ctx, client, key);
      times.push(recovery);
      if (recovery >= GIVE_UP_MS) {
        notes.push(`round ${round}: the breaker was still open after ${GIVE_UP_MS / 1000}s`);
        break;
      }
    }
    const { breaker } = await client.figures();
    notes.push(
      `recovery per round: ${times.map((t) => `${Math.round(t)}ms`).join(', ') || 'none'}; breaker ${breaker} at the end`,
    );
    const worst = times.length === 0 ? Number.NaN : Math.max(...times);
    return { metrics: { recovery: measured(worst, times.length) }, notes };
  },
};

// Call through failing statements until the breaker rejects a call at once.
async function openBreaker(
  ctx: ScenarioContext,
  client: StressClient,
  key: string,
): Promise<boolean> {
  client.faults?.start();
  try {
    for (let i = 0; i < THRESHOLD * 4; i += 1) {
      const code = await client.read(key).then(
        () => undefined,
        (error: unknown) => errorCode(error),
      );
      if (code !== undefined) ctx.recorder.fail(code);
      if (code === 'E_CIRCUIT_OPEN') return true;
    }
    return false;
  } finally {
    client.faults?.stop();
  }
}

// Milliseconds from the faults stopping until a call succeeds (the trial call closes the breaker).
async function timeRecovery(
  ctx: ScenarioContext,
  client: StressClient,
  key: string,
): Promise<number> {
  const start = ctx.now();
  for (;;) {
    const callStart = ctx.now();
    const code = await client.read(key).then(
      () => undefined,
      (error: unknown) => errorCode(error),
    );
    const elapsedMs = (ctx.now() - start) / 1e6;
    if (code === undefined) {
      ctx.recorder.success('read', ctx.now() - callStart);
      return elapsedMs;
    }
    ctx.recorder.fail(code);
    if (elapsedMs >= GIVE_UP_MS || ctx.signal?.aborted === true) return elapsedMs;
    await sleep(ctx.clock, 10);
  }
}
