import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { Watchdog } from '../../src/resilience/watchdog.js';

describe('Watchdog', () => {
  it('fires each watch at its time, on one timer, and skips the ones unwatched', () => {
    const clock = new ManualClock(0);
    const dog = new Watchdog(clock);
    const fired: string[] = [];
    dog.watch(100, () => fired.push('a'));
    const cancelB = dog.watch(150, () => fired.push('b'));
    dog.watch(50, () => fired.push('c'));
    dog.watch(300, () => fired.push('d'));
    expect(clock.pendingTimers).toBe(1);
    cancelB();
    clock.advance(99);
    expect(fired).toEqual(['c']);
    clock.advance(1);
    expect(fired).toEqual(['c', 'a']);
    clock.advance(200);
    expect(fired).toEqual(['c', 'a', 'd']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('a watch added while others expire, earlier than the next one, still fires at its time', () => {
    const clock = new ManualClock(0);
    const dog = new Watchdog(clock);
    const fired: string[] = [];
    dog.watch(100, () => {
      fired.push('a');
      dog.watch(120, () => fired.push('c'));
    });
    dog.watch(200, () => fired.push('b'));
    clock.advance(100);
    clock.advance(20);
    expect(fired).toEqual(['a', 'c']);
    clock.advance(80);
    expect(fired).toEqual(['a', 'c', 'b']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('dispose() cancels the timer so that nothing stays scheduled', () => {
    const clock = new ManualClock(0);
    const dog = new Watchdog(clock);
    const fired: number[] = [];
    dog.watch(10, () => fired.push(1));
    dog.dispose();
    clock.advance(100);
    expect(fired).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('LoopTurns', () => {
  // 100 jobs through a bulkhead, each keeping the CPU for about 1 ms and settling through
  // microtasks only, like PGlite; returns where a setImmediate queued first ran among them.
  const loopTurnAmong100Jobs = async (loopTurnEveryMs: number): Promise<number> => {
    const { Bulkhead } = await import('../../src/resilience/bulkhead.js');
    const { Deadline } = await import('../../src/resilience/deadline.js');
    const { systemClock } = await import('../../src/clock.js');
    const bulkhead = new Bulkhead(
      { readConcurrency: 1, maxLength: 1000, loopTurnEveryMs },
      { clock: systemClock },
    );
    const order: string[] = [];
    setImmediate(() => order.push('loop turned'));
    const busy = async (i: number): Promise<void> => {
      const until = performance.now() + 1;
      while (performance.now() < until);
      order.push(`job ${i}`);
    };
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        bulkhead.run('read', Deadline.after(systemClock, 60_000), () => busy(i)),
      ),
    );
    expect(order.filter((e) => e.startsWith('job '))).toHaveLength(100);
    return order.indexOf('loop turned');
  };

  it('lets timers and sockets in during a long run of promise-only work', async () => {
    // A turn is due every 10 ms, so after at most about 10 jobs of 1 ms (earlier, even before the
    // first job, when the process stalled): never only once all of them are done.
    const at = await loopTurnAmong100Jobs(10);
    expect(at).toBeGreaterThanOrEqual(0); // it ran before the last job settled
    expect(at).toBeLessThan(50);
  });

  it('without turns, the same work keeps the loop to itself until every job is done (what the turns fix)', async () => {
    // -1: the setImmediate had not run by the time all 100 jobs had settled.
    expect(await loopTurnAmong100Jobs(Number.POSITIVE_INFINITY)).toBe(-1);
  });
});
