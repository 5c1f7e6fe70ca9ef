import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { CallWatch } from '../../src/control/call-watch.js';
import type { Database } from '../../src/db/database.js';
import { Deadline } from '../../src/resilience/deadline.js';
import { ResilientRunner } from '../../src/resilience/operation-runner.js';

describe('CallWatch', () => {
  it('names the oldest store call still running past the operation timeout, from memory', async () => {
    const clock = new ManualClock();
    const database = {} as Database; // never reached: the calls below do not touch it
    const runner = new ResilientRunner(
      { operationTimeoutMs: Infinity, queue: { loopTurnEveryMs: Infinity } },
      { database, clock },
    );
    const watch = new CallWatch(runner, { clock, operationTimeoutMs: 5000 });
    let finish: () => void = () => undefined;
    const stuck = watch.run(
      { kind: 'read', name: 'get', deadline: Deadline.never(clock) },
      () => new Promise<void>((resolve) => (finish = resolve)),
    );
    await watch.run({ kind: 'read', name: 'list', deadline: Deadline.never(clock) }, () =>
      Promise.resolve(),
    );
    await clock.tick(5000);
    expect(watch.stuck()).toBeUndefined();
    await clock.tick(1);
    expect(watch.stuck()).toEqual({ name: 'get', runningMs: 5001 });
    finish();
    await stuck;
    expect(watch.stuck()).toBeUndefined();
  });
});
