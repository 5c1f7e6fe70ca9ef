import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import {
  DatabaseError,
  DeadlineExceededError,
  InstanceCrashedError,
  TransientDatabaseError,
} from '../../src/errors/index.js';
import { Deadline } from '../../src/resilience/deadline.js';
import { Retry, type RetryEvent } from '../../src/resilience/retry.js';

const busy = (): TransientDatabaseError => new TransientDatabaseError('busy', '40001');

/** An attempt function that fails with the scripted errors in turn, then returns 'ok'. */
function scripted(...errors: unknown[]): { attempt: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    attempt: () => {
      const error = errors[calls];
      calls += 1;
      return error === undefined ? Promise.resolve('ok') : Promise.reject(error);
    },
    calls: () => calls,
  };
}

describe('Retry', () => {
  it('backs off exponentially with equal jitter, capped at maxDelayMs', () => {
    const clock = new ManualClock();
    const low = new Retry({ baseDelayMs: 20, maxDelayMs: 100 }, { clock, random: () => 0 });
    const high = new Retry({ baseDelayMs: 20, maxDelayMs: 100 }, { clock, random: () => 0.999 });
    expect([0, 1, 2, 3, 4].map((n) => low.delayMs(n))).toEqual([10, 20, 40, 50, 50]);
    expect([0, 1, 2, 3, 4].map((n) => high.delayMs(n))).toEqual([20, 40, 80, 100, 100]);
  });

  it('retries transient errors on the clock until one attempt succeeds, and counts the retries', async () => {
    const clock = new ManualClock();
    const retry = new Retry({ attempts: 3, baseDelayMs: 20 }, { clock, random: () => 0.5 });
    const { attempt, calls } = scripted(busy(), busy());
    const events: RetryEvent[] = [];
    const result = retry.execute(Deadline.after(clock, 10_000), attempt, (e) => events.push(e));
    await clock.tick();
    expect(calls()).toBe(1);
    await clock.tick(14);
    expect(calls()).toBe(1); // still sleeping the 15 ms backoff
    await clock.tick(1);
    expect(calls()).toBe(2);
    await clock.tick(30);
    await expect(result).resolves.toBe('ok');
    expect(calls()).toBe(3);
    expect(events.map(({ attempt: n, delayMs }) => [n, delayMs])).toEqual([
      [1, 15],
      [2, 30],
    ]);
    expect(retry.stats()).toEqual({ retried: 2, exhausted: 0, stoppedByDeadline: 0 });
  });

  it('does not retry errors that are not transient', async () => {
    const clock = new ManualClock();
    const retry = new Retry({}, { clock });
    for (const error of [new DatabaseError('dup', '23505'), new InstanceCrashedError('x')]) {
      const { attempt, calls } = scripted(error);
      await expect(retry.execute(Deadline.after(clock, 1000), attempt)).rejects.toBe(error);
      expect(calls()).toBe(1);
    }
    expect(retry.stats()).toEqual({ retried: 0, exhausted: 0, stoppedByDeadline: 0 });
  });

  it('gives up after the last attempt with the last transient error', async () => {
    const clock = new ManualClock();
    const retry = new Retry({ attempts: 2, baseDelayMs: 0, maxDelayMs: 0 }, { clock });
    const last = busy();
    const { attempt, calls } = scripted(busy(), last, busy());
    await expect(retry.execute(Deadline.after(clock, 1000), attempt)).rejects.toBe(last);
    expect(calls()).toBe(2);
    expect(retry.stats()).toEqual({ retried: 1, exhausted: 1, stoppedByDeadline: 0 });
  });

  it('fails with stage backoff instead of sleeping past the deadline', async () => {
    const clock = new ManualClock();
    const retry = new Retry({ baseDelayMs: 100 }, { clock, random: () => 0 });
    const { attempt, calls } = scripted(busy());
    const error = await retry.execute(Deadline.after(clock, 50), attempt).catch((e) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error).toMatchObject({ code: 'E_DEADLINE_EXCEEDED', stage: 'backoff' });
    expect((error as Error).message).toMatch(/backoff stage \(attempt 1 failed: busy\)/);
    expect(calls()).toBe(1);
    expect(clock.pendingTimers).toBe(0);
    expect(retry.stats()).toEqual({ retried: 0, exhausted: 0, stoppedByDeadline: 1 });
  });

  it('rejects options that make no sense', () => {
    const clock = new ManualClock();
    expect(() => new Retry({ attempts: 0 }, { clock })).toThrow(RangeError);
    expect(() => new Retry({ baseDelayMs: 50, maxDelayMs: 10 }, { clock })).toThrow(RangeError);
  });
});
