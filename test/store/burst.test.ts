import { afterAll, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { copyTemplateDataDir } from '../support/data-dir.js';
import { testClock } from '../support/test-clock.js';

// An app's burst through the library with default settings: the queue's default memory bound
// (not a count) lets every call wait its turn, every call succeeds, and the process's resident
// memory does not grow by 200 MB on the way. The store runs on a test clock, so no deadline can
// expire on a slow machine: how long the burst takes is bench/burst.ts's question.
const BURST = 10_000;
const store = await openStore({ dataDir: copyTemplateDataDir(), clock: testClock() });
afterAll(async () => {
  await store.close();
});

function rssSampler(): { stop(): number } {
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss()) - base;
    },
  };
}

it('10,000 concurrent sets, then 10,000 concurrent gets, all succeed within 200 MB of RSS', async () => {
  const sampler = rssSampler();
  const sets = await Promise.allSettled(
    Array.from({ length: BURST }, (_, i) => store.set(`burst:${i}`, { i, name: `item ${i}` })),
  );
  const gets = await Promise.allSettled(
    Array.from({ length: BURST }, (_, i) => store.get(`burst:${i}`)),
  );
  const growth = sampler.stop();

  const failures = [...sets, ...gets].flatMap((r) =>
    r.status === 'rejected' ? [(r.reason as { code?: string }).code] : [],
  );
  expect(failures).toEqual([]);
  expect(
    gets.every((r, i) => r.status === 'fulfilled' && (r.value?.value as { i: number }).i === i),
  ).toBe(true);
  expect(growth).toBeLessThan(200 * 1024 * 1024);
  const { queue } = store.runnerStats();
  expect(queue.peakPending).toBeGreaterThan(BURST / 2);
  expect(queue).toMatchObject({ pending: 0, queuedBytes: 0, headWaitMs: 0, rejected: 0 });
}, 120_000);
