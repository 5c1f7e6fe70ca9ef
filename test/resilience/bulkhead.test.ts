import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import {
  DeadlineExceededError,
  QueueFullError,
  QueueTimeoutError,
} from '../../src/errors/index.js';
import { WAITING_CALL_BYTES, type BulkheadOptions } from '../../src/resilience/bulkhead-options.js';
import { Bulkhead } from '../../src/resilience/bulkhead.js';
import { Deadline } from '../../src/resilience/deadline.js';

/** A task that starts when the bulkhead runs it and finishes when the test says so. */
interface Gate {
  readonly started: boolean;
  readonly fn: () => Promise<string>;
  open(value?: string): void;
  fail(error: Error): void;
}

function gate(): Gate {
  let resolve: (value: string) => void = () => undefined;
  let reject: (error: Error) => void = () => undefined;
  const done = new Promise<string>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const state = {
    started: false,
    fn: () => {
      state.started = true;
      return done;
    },
    open: (value = 'done') => resolve(value),
    fail: (error: Error) => reject(error),
  };
  return state;
}

function setup(options: BulkheadOptions = {}): { clock: ManualClock; bulkhead: Bulkhead } {
  const clock = new ManualClock();
  // Loop turns go by real time (see LoopTurns); on a loaded machine one could slip between two
  // ticks of the manual clock and move a start past it. These tests are about the queue alone.
  const bulkhead = new Bulkhead({ loopTurnEveryMs: 60_000, ...options }, { clock });
  return { clock, bulkhead };
}

describe('Bulkhead', () => {
  it('lets reads overtake queued writes', async () => {
    const { clock, bulkhead } = setup({ readConcurrency: 1, writeConcurrency: 1 });
    const deadline = Deadline.after(clock, 10_000);
    const writes = [gate(), gate(), gate()];
    const writing = writes.map((w) => bulkhead.run('write', deadline, w.fn));
    const read = gate();
    const reading = bulkhead.run('read', deadline, read.fn);
    await clock.tick();
    expect(writes.map((w) => w.started)).toEqual([true, false, false]);
    expect(read.started).toBe(true);
    expect(bulkhead.stats().byKind).toMatchObject({
      read: { pending: 0, active: 1 },
      write: { pending: 2, active: 1 },
    });
    read.open('row');
    await expect(reading).resolves.toBe('row');
    writes.forEach((w) => w.open());
    await Promise.all(writing);
  });

  it('rejects at once with E_QUEUE_FULL when maxLength calls already wait', async () => {
    const { clock, bulkhead } = setup({ writeConcurrency: 1, maxLength: 2 });
    const deadline = Deadline.after(clock, 10_000);
    const running = [gate(), gate(), gate()];
    const accepted = running.map((g) => bulkhead.run('write', deadline, g.fn));
    const extra = gate();
    const error = await bulkhead.run('write', deadline, extra.fn).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueFullError);
    expect(error).toMatchObject({ code: 'E_QUEUE_FULL', exitCode: 75 });
    expect((error as QueueFullError).hint).toMatch(/retry/);
    expect((error as Error).message).toBe(
      'the write queue is full: 2 calls are waiting (queue.maxLength 2)',
    );
    expect(extra.started).toBe(false);
    // The read queue is separate and still takes calls.
    await expect(bulkhead.run('read', deadline, async () => 'r')).resolves.toBe('r');
    running.forEach((g) => g.open());
    await Promise.all(accepted);
    expect(bulkhead.stats()).toMatchObject({ rejected: 1, completed: 4, pending: 0, active: 0 });
  });

  it("by default bounds the waiting calls by memory, not by count, and shows the peak and the head's wait", async () => {
    const { clock, bulkhead } = setup({
      writeConcurrency: 1,
      maxBytes: 3 * WAITING_CALL_BYTES + 100,
    });
    const deadline = Deadline.after(clock, 10_000);
    const first = gate();
    const running = bulkhead.run('write', deadline, first.fn);
    const gates = [gate(), gate()];
    const small = gates.map((g) => bulkhead.run('write', deadline, g.fn, {}, 50));
    clock.advance(250);
    const big = bulkhead.run('write', deadline, gate().fn, {}, 200).catch((e: unknown) => e);
    await expect(big).resolves.toMatchObject({
      code: 'E_QUEUE_FULL',
      message: 'the queues are full: 2 waiting calls hold 8.1 KiB (queue.maxBytes 12.1 KiB)',
    });
    const third = bulkhead.run('write', deadline, async () => 'third');
    expect(bulkhead.stats()).toMatchObject({
      pending: 3,
      peakPending: 3,
      queuedBytes: 3 * WAITING_CALL_BYTES + 100,
      headWaitMs: 250,
      rejected: 1,
    });
    first.open();
    gates.forEach((g) => g.open());
    await Promise.all([running, ...small, third]);
    expect(bulkhead.stats()).toMatchObject({
      pending: 0,
      peakPending: 3,
      queuedBytes: 0,
      headWaitMs: 0,
    });
  });

  it('with maxLength 0, runs calls while a slot is free and rejects any that would wait', async () => {
    const { clock, bulkhead } = setup({ writeConcurrency: 1, maxLength: 0 });
    const deadline = Deadline.after(clock, 10_000);
    const first = gate();
    const running = bulkhead.run('write', deadline, first.fn);
    expect(first.started).toBe(true);
    await expect(bulkhead.run('write', deadline, gate().fn)).rejects.toBeInstanceOf(QueueFullError);
    first.open();
    await running;
    await expect(bulkhead.run('write', deadline, async () => 'next')).resolves.toBe('next');
  });

  it('times out a waiting call with E_QUEUE_TIMEOUT; it is removed and never runs', async () => {
    const { clock, bulkhead } = setup({ writeConcurrency: 1, waitTimeoutMs: 100 });
    const deadline = Deadline.after(clock, 10_000);
    const first = gate();
    const running = bulkhead.run('write', deadline, first.fn);
    const waiting = gate();
    const caught = bulkhead.run('write', deadline, waiting.fn).catch((e: unknown) => e);
    await clock.tick(99);
    expect(bulkhead.stats().pending).toBe(1);
    await clock.tick(1);
    const error = await caught;
    expect(error).toBeInstanceOf(QueueTimeoutError);
    expect(error).toMatchObject({ code: 'E_QUEUE_TIMEOUT', exitCode: 75 });
    expect(bulkhead.stats()).toMatchObject({ pending: 0, active: 1, rejected: 1 });
    first.open();
    await running;
    await clock.tick();
    expect(waiting.started).toBe(false);
    expect(bulkhead.stats()).toMatchObject({ completed: 1, failed: 0, active: 0 });
  });

  it('names the queue stage when the caller deadline is the tighter limit', async () => {
    const { clock, bulkhead } = setup({ writeConcurrency: 1, waitTimeoutMs: 100 });
    const first = gate();
    const running = bulkhead.run('write', Deadline.after(clock, 10_000), first.fn);
    const caught = bulkhead.run('write', Deadline.after(clock, 30), gate().fn).catch((e) => e);
    await clock.tick(30);
    const error = await caught;
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error).toMatchObject({ code: 'E_DEADLINE_EXCEEDED', stage: 'queue' });
    const expired = Deadline.after(clock, 5);
    clock.advance(5);
    await expect(bulkhead.run('read', expired, async () => 'x')).rejects.toMatchObject({
      stage: 'queue',
    });
    first.open();
    await running;
    expect(bulkhead.stats().rejected).toBe(2);
  });

  it('starts waiting calls by priority, then in arrival order', async () => {
    const { clock, bulkhead } = setup({ readConcurrency: 1 });
    const deadline = Deadline.after(clock, 10_000);
    const order: string[] = [];
    const first = gate();
    const all = [bulkhead.run('read', deadline, first.fn)];
    for (const [name, priority] of [
      ['low', 0],
      ['high', 5],
      ['low2', 0],
    ] as const) {
      all.push(bulkhead.run('read', deadline, async () => (order.push(name), name), { priority }));
    }
    first.open();
    await Promise.all(all);
    expect(order).toEqual(['high', 'low', 'low2']);
  });

  it('holds calls while paused and starts them on resume', async () => {
    const { clock, bulkhead } = setup();
    const deadline = Deadline.after(clock, 10_000);
    bulkhead.pause();
    expect(bulkhead.isPaused).toBe(true);
    const g = gate();
    const running = bulkhead.run('read', deadline, g.fn);
    await clock.tick();
    expect(g.started).toBe(false);
    expect(await bulkhead.drain(Deadline.after(clock, 0))).toBe(false);
    bulkhead.resume();
    expect(g.started).toBe(true);
    g.open();
    await running;
  });

  it('drains: true once nothing waits or runs, false when the deadline comes first', async () => {
    const { clock, bulkhead } = setup({ writeConcurrency: 1 });
    const deadline = Deadline.after(clock, 10_000);
    const a = gate();
    const b = gate();
    const runs = [bulkhead.run('write', deadline, a.fn), bulkhead.run('write', deadline, b.fn)];
    const late = bulkhead.drain(Deadline.after(clock, 50));
    await clock.tick(50);
    await expect(late).resolves.toBe(false);
    const drained = bulkhead.drain(Deadline.after(clock, 1000));
    a.open();
    await clock.tick();
    b.open();
    await expect(drained).resolves.toBe(true);
    await Promise.all(runs);
    expect(clock.pendingTimers).toBe(0);
  });

  it('runs an exclusive call alone: after the running calls, before the waiting ones', async () => {
    const { clock, bulkhead } = setup();
    const deadline = Deadline.after(clock, 10_000);
    const events: string[] = [];
    const reading = gate();
    const first = bulkhead.run('read', deadline, reading.fn);
    const vacuum = gate();
    const exclusive = bulkhead.exclusive(deadline, () => {
      events.push('vacuum');
      return vacuum.fn();
    });
    const after = bulkhead.run('write', deadline, async () => void events.push('write'));
    await clock.tick();
    expect(events).toEqual([]); // the exclusive call waits for the running read
    reading.open();
    await first;
    await clock.tick();
    expect(events).toEqual(['vacuum']); // the write waits for the exclusive call
    expect(bulkhead.stats().byKind.exclusive.active).toBe(1);
    vacuum.open();
    await exclusive;
    await after;
    expect(events).toEqual(['vacuum', 'write']);
  });

  it('gives up an exclusive call at its deadline and lets the others go again', async () => {
    const { clock, bulkhead } = setup();
    const stuck = gate();
    const running = bulkhead.run('read', Deadline.after(clock, 10_000), stuck.fn);
    let ran = false;
    const caught = bulkhead
      .exclusive(Deadline.after(clock, 100), async () => void (ran = true))
      .catch((e: unknown) => e);
    await clock.tick(100);
    await expect(caught).resolves.toMatchObject({ stage: 'queue' });
    expect(ran).toBe(false);
    await expect(
      bulkhead.run('read', Deadline.after(clock, 100), async () => 'free'),
    ).resolves.toBe('free');
    stuck.open();
    await running;
  });

  it('rejects every waiting call with a given reason', async () => {
    const { clock, bulkhead } = setup({ writeConcurrency: 1 });
    const deadline = Deadline.after(clock, 10_000);
    const first = gate();
    const running = bulkhead.run('write', deadline, first.fn);
    const waiting = [gate(), gate()];
    const caught = waiting.map((g) => bulkhead.run('write', deadline, g.fn).catch((e) => e));
    const reason = new Error('closing');
    expect(bulkhead.rejectWaiting(reason)).toBe(2);
    expect(await Promise.all(caught)).toEqual([reason, reason]);
    first.open();
    await running;
    expect(waiting.some((g) => g.started)).toBe(false);
    expect(bulkhead.stats()).toMatchObject({ rejected: 2, completed: 1 });
  });

  it('reports wait and run times from the injected clock, and failures', async () => {
    const { clock, bulkhead } = setup({ writeConcurrency: 1 });
    const deadline = Deadline.after(clock, 10_000);
    const first = gate();
    const second = gate();
    const runs = [
      bulkhead.run('write', deadline, first.fn),
      bulkhead.run('write', deadline, second.fn),
    ];
    await clock.tick(40);
    first.open();
    await runs[0];
    await clock.tick(10);
    second.fail(new Error('boom'));
    await expect(runs[1]).rejects.toThrow('boom');
    const stats = bulkhead.stats();
    expect(stats).toMatchObject({ completed: 1, failed: 1, rejected: 0, pending: 0 });
    expect(stats.waitMs).toMatchObject({ count: 2, mean: 20, max: 40 });
    expect(stats.execMs).toMatchObject({ count: 2, mean: 25 });
    expect(stats.waitMs.p95).toBeCloseTo(40, 1);
  });

  it('enter() takes a free slot at once, with the same limits and order as queued calls', async () => {
    const { clock, bulkhead } = setup({ writeConcurrency: 2 });
    const deadline = Deadline.after(clock, 10_000);
    expect(bulkhead.enter('write')).toBe(true);
    const queued = gate();
    const running = bulkhead.run('write', deadline, queued.fn);
    expect(queued.started).toBe(true); // the second slot
    expect(bulkhead.enter('write')).toBe(false); // both slots taken
    const waiting = gate();
    const waited = bulkhead.run('write', deadline, waiting.fn);
    expect(bulkhead.stats().byKind.write).toEqual({ pending: 1, active: 2 });
    await clock.tick(30);
    bulkhead.leave('write', clock.now() - 30, true);
    // The freed slot goes to the call that waited, not to a newcomer.
    expect(waiting.started).toBe(true);
    expect(bulkhead.enter('write')).toBe(false);
    queued.open();
    await running;
    expect(bulkhead.enter('write')).toBe(true);
    bulkhead.leave('write', clock.now(), false);
    waiting.open();
    await waited;
    expect(bulkhead.stats()).toMatchObject({ completed: 3, failed: 1, pending: 0, active: 0 });
    expect(bulkhead.stats().execMs).toMatchObject({ count: 4, max: 30 });
    bulkhead.pause();
    expect(bulkhead.enter('read')).toBe(false);
    bulkhead.resume();
    expect(bulkhead.enter('read')).toBe(true);
    bulkhead.leave('read', clock.now(), true);
  });

  it('validates its options', () => {
    const clock = new ManualClock();
    expect(() => new Bulkhead({ readConcurrency: 0 }, { clock })).toThrow(
      'Expected `readConcurrency` to be an integer from 1 and up, got 0',
    );
    expect(() => new Bulkhead({ maxLength: -1 }, { clock })).toThrow(RangeError);
    expect(() => new Bulkhead({ waitTimeoutMs: 0 }, { clock })).toThrow(RangeError);
  });
});
