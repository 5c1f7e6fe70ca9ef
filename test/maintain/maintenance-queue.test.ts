import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { MaintenanceQueue } from '../../src/maintain/maintenance-queue.js';
import { Deadline } from '../../src/resilience/deadline.js';

/** A run that stays in progress until `finish()`. */
function pending(): { promise: Promise<string>; finish: (value: string) => void } {
  let finish: (value: string) => void = () => undefined;
  const promise = new Promise<string>((resolve) => (finish = resolve));
  return { promise, finish };
}

describe('MaintenanceQueue', () => {
  it('runs one at a time in arrival order: the second waits for the first, then runs', async () => {
    const clock = new ManualClock();
    const queue = new MaintenanceQueue(clock);
    const order: string[] = [];
    const first = pending();
    const a = queue.run(
      { requestedBy: 'a', deadline: Deadline.after(clock, 60_000), ifIdle: false },
      async () => {
        order.push('a starts');
        return first.promise;
      },
    );
    const b = queue.run(
      { requestedBy: 'b', deadline: Deadline.after(clock, 60_000), ifIdle: false },
      () => {
        order.push('b starts');
        return Promise.resolve('b');
      },
    );
    await clock.tick(30_000);
    expect(order).toEqual(['a starts']);
    expect(queue.current).toMatchObject({ requestedBy: 'a' });
    first.finish('a');
    expect(await a).toBe('a');
    expect(await b).toBe('b');
    expect(order).toEqual(['a starts', 'b starts']);
    expect(queue.current).toBeUndefined();
  });

  it('ifIdle: refuses at once while a run is in progress, naming it (E_MAINTENANCE_RUNNING)', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const queue = new MaintenanceQueue(clock);
    const first = pending();
    const a = queue.run(
      { requestedBy: 'pid 1 (cron)', deadline: Deadline.after(clock, 1000), ifIdle: false },
      () => first.promise,
    );
    await expect(
      queue.run({ requestedBy: 'pid 2', deadline: Deadline.after(clock, 1000), ifIdle: true }, () =>
        Promise.resolve('never'),
      ),
    ).rejects.toMatchObject({
      code: 'E_MAINTENANCE_RUNNING',
      message:
        'another maintenance run is in progress (started 2026-01-01T00:00:00.000Z, requested by pid 1 (cron)); this one did not start: it was asked to run only if idle',
    });
    first.finish('a');
    await a;
  });

  it('a run that waits past its deadline gives up without running; the next one still runs', async () => {
    const clock = new ManualClock();
    const queue = new MaintenanceQueue(clock);
    const first = pending();
    const ran: string[] = [];
    const a = queue.run(
      { requestedBy: 'a', deadline: Deadline.after(clock, 60_000), ifIdle: false },
      () => first.promise,
    );
    const late = queue.run(
      { requestedBy: 'late', deadline: Deadline.after(clock, 1000), ifIdle: false },
      () => {
        ran.push('late');
        return Promise.resolve('late');
      },
    );
    const c = queue.run(
      { requestedBy: 'c', deadline: Deadline.after(clock, 60_000), ifIdle: false },
      () => {
        ran.push('c');
        return Promise.resolve('c');
      },
    );
    const gaveUp = late.catch((error: unknown) => error);
    await clock.tick(1000);
    expect(await gaveUp).toMatchObject({ code: 'E_MAINTENANCE_RUNNING' });
    first.finish('a');
    await a;
    expect(await c).toBe('c');
    expect(ran).toEqual(['c']);
  });

  it('close() fails the waiting runs with E_CLOSED (the store is closing) and every later one', async () => {
    const clock = new ManualClock();
    const queue = new MaintenanceQueue(clock);
    const first = pending();
    const options = { requestedBy: 'x', deadline: Deadline.after(clock, 60_000), ifIdle: false };
    const a = queue.run(options, () => first.promise);
    const waiting = queue.run(options, () => Promise.resolve('never'));
    queue.close();
    await expect(waiting).rejects.toMatchObject({ code: 'E_CLOSED' });
    await expect(queue.run(options, () => Promise.resolve('never'))).rejects.toMatchObject({
      code: 'E_CLOSED',
    });
    first.finish('a');
    expect(await a).toBe('a');
  });
});
