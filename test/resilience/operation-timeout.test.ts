import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { DatabaseError, OperationTimeoutError } from '../../src/errors/index.js';
import { Deadline } from '../../src/resilience/deadline.js';
import { OperationTimeout } from '../../src/resilience/operation-timeout.js';

const never = (): Promise<never> => new Promise<never>(() => undefined);

describe('OperationTimeout', () => {
  it('returns the result; the shared timer then fires harmlessly, and dispose() stops it', async () => {
    const clock = new ManualClock();
    const timeout = new OperationTimeout({ timeoutMs: 100 }, { clock });
    await expect(timeout.run(Deadline.after(clock, 1000), async () => 42)).resolves.toBe(42);
    await expect(timeout.run(Deadline.after(clock, 1000), async () => 43)).resolves.toBe(43);
    expect(clock.pendingTimers).toBe(1);
    await clock.tick(100);
    expect(clock.pendingTimers).toBe(0);
    await expect(timeout.run(Deadline.after(clock, 1000), async () => 44)).resolves.toBe(44);
    timeout.dispose();
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects with E_OPERATION_TIMEOUT when the operation timeout is the tighter limit', async () => {
    const clock = new ManualClock();
    const timeout = new OperationTimeout({ timeoutMs: 100 }, { clock });
    const result = timeout.run(Deadline.after(clock, 1000), never, { name: 'get' });
    const caught = result.catch((e: unknown) => e);
    await clock.tick(99);
    expect(clock.pendingTimers).toBe(1);
    await clock.tick(1);
    const error = await caught;
    expect(error).toBeInstanceOf(OperationTimeoutError);
    expect(error).toMatchObject({ code: 'E_OPERATION_TIMEOUT', exitCode: 75 });
    expect((error as Error).message).toMatch(/^get did not finish within 100ms/);
  });

  it('rejects with stage attempt when the deadline is the tighter limit', async () => {
    const clock = new ManualClock();
    const timeout = new OperationTimeout({ timeoutMs: 100 }, { clock });
    const caught = timeout.run(Deadline.after(clock, 40), never).catch((e: unknown) => e);
    await clock.tick(40);
    await expect(caught).resolves.toMatchObject({ code: 'E_DEADLINE_EXCEEDED', stage: 'attempt' });
  });

  it('does not start an attempt once the deadline has passed', async () => {
    const clock = new ManualClock();
    const timeout = new OperationTimeout({}, { clock });
    let called = false;
    const deadline = Deadline.after(clock, 10);
    clock.advance(10);
    await expect(
      timeout.run(deadline, async () => {
        called = true;
      }),
    ).rejects.toMatchObject({ stage: 'attempt' });
    expect(called).toBe(false);
  });

  it('passes errors through, including ones thrown before a promise exists', async () => {
    const clock = new ManualClock();
    const timeout = new OperationTimeout({}, { clock });
    const error = new DatabaseError('dup', '23505');
    await expect(
      timeout.run(Deadline.after(clock, 1000), () => Promise.reject(error)),
    ).rejects.toBe(error);
    const thrown = (): Promise<never> => {
      throw error;
    };
    await expect(timeout.run(Deadline.after(clock, 1000), thrown)).rejects.toBe(error);
    await expect(timeout.run(Deadline.never(clock), thrown, { timeoutMs: Infinity })).rejects.toBe(
      error,
    );
    timeout.dispose();
    expect(clock.pendingTimers).toBe(0);
  });

  it('sets no timer when neither limit is finite', async () => {
    const clock = new ManualClock();
    const timeout = new OperationTimeout({}, { clock });
    const result = timeout.run(Deadline.never(clock), async () => 'done', { timeoutMs: Infinity });
    expect(clock.pendingTimers).toBe(0);
    await expect(result).resolves.toBe('done');
  });

  it('ignores an attempt that settles after it timed out', async () => {
    const clock = new ManualClock();
    const timeout = new OperationTimeout({ timeoutMs: 10 }, { clock });
    let finish: (value: string) => void = () => undefined;
    const late = new Promise<string>((resolve) => (finish = resolve));
    const caught = timeout.run(Deadline.after(clock, 1000), () => late).catch((e: unknown) => e);
    await clock.tick(10);
    finish('too late');
    await expect(caught).resolves.toBeInstanceOf(OperationTimeoutError);
  });

  it('rejects a timeout that is not positive', () => {
    expect(() => new OperationTimeout({ timeoutMs: 0 }, { clock: new ManualClock() })).toThrow(
      RangeError,
    );
  });
});
