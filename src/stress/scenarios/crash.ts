import { sleep } from '../../clock.js';
import { StoreUnavailableError } from '../../errors/index.js';
import { MAX_LIST_LIMIT } from '../../store/list-query.js';
import { randomInt, seededRandom } from '../load/random.js';
import { errorCode } from '../load/recorder.js';
import { measured, type ScenarioDefinition } from './scenario.js';

/** The child is killed this long after its first acknowledged write, drawn from the run's seed. */
const KILL_AFTER_MS = { min: 0, max: 500 } as const;

/**
 * A child process writes keys and prints each acknowledged one; it is killed with SIGKILL at a
 * seeded moment, the store is reopened here, and every acknowledged key must be there. Runs on
 * a scratch copy of the store, `--rounds` times (5 by default). One recorded operation per round:
 * its latency is the time the reopen took.
 */
export const crashScenario: ScenarioDefinition = {
  id: 'crash-recovery',
  description:
    'SIGKILL a writing child process at a seeded moment, reopen, count acknowledged keys missing',
  source:
    "seed 000 stress scenarios ('recover from WASM crashes'); DESIGN durability facts (30 rounds, 0 lost)",
  extras: { lost: 'count', openFailures: 'count' },
  tunable: [],
  // Copied before the run writes anything, and before a serve started for the run owns it.
  async prepare({ crash }) {
    await crash?.scratchDir();
  },
  async run(ctx) {
    const harness = ctx.crash;
    if (harness === undefined) {
      throw new StoreUnavailableError(
        'the crash scenario needs child processes, which this run cannot start',
        {
          hint: 'Leave out crash-recovery with --scenario.',
        },
      );
    }
    await ctx.source.release();
    const dir = await harness.scratchDir();
    const random = seededRandom(ctx.seed);
    let lost = 0;
    let openFailures = 0;
    let acknowledged = 0;
    const kills: string[] = [];
    let round = 0;
    while (round < ctx.rounds && ctx.signal?.aborted !== true) {
      round += 1;
      const prefix = `${ctx.prefix}r${round}:`;
      const child = await harness.start(dir, prefix);
      const after = randomInt(random, KILL_AFTER_MS.min, KILL_AFTER_MS.max);
      await sleep(ctx.clock, after);
      const killed = await child.kill();
      acknowledged += killed.acknowledged.length;
      kills.push(`${after}ms/${killed.acknowledged.length} acked`);
      const start = ctx.now();
      const store = await harness.reopen(dir).catch((error: unknown) => {
        ctx.recorder.failure(error);
        return errorCode(error);
      });
      if (typeof store === 'string') {
        openFailures += 1;
        break; // a directory that does not open will not open for the next round either
      }
      try {
        const present = new Set(
          (await store.list({ prefix, limit: MAX_LIST_LIMIT })).map((entry) => entry.key),
        );
        const missing = killed.acknowledged.filter((key) => !present.has(key)).length;
        lost += missing;
        if (missing === 0) ctx.recorder.success(undefined, ctx.now() - start);
        else ctx.recorder.fail('E_LOST_WRITES');
      } finally {
        await store.close();
      }
    }
    return {
      metrics: { lost: measured(lost, round), openFailures: measured(openFailures, round) },
      notes: [
        `${round} rounds, killed after ${kills.join(', ')}: ${acknowledged} acknowledged writes, ${lost} missing after reopening; ${openFailures} reopen failures`,
      ],
    };
  },
};
