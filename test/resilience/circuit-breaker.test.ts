import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import {
  CircuitOpenError,
  DatabaseError,
  InstanceCrashedError,
  TransientDatabaseError,
} from '../../src/errors/index.js';
import {
  CircuitBreaker,
  type BreakerSnapshot,
  type CircuitBreakerOptions,
} from '../../src/resilience/circuit-breaker.js';

const OPTIONS: CircuitBreakerOptions = { name: 'store', threshold: 3, halfOpenAfterMs: 30_000 };
const busy = (): Promise<never> => Promise.reject(new TransientDatabaseError('busy', '40001'));
const ok = async (): Promise<string> => 'ok';

// cockatiel reads Date.now() itself: fake only Date and move it with the manual clock.
let clock: ManualClock;
const advance = (ms: number): void => {
  clock.advance(ms);
  vi.setSystemTime(clock.now());
};
const at = (offsetMs: number): string => new Date(Date.UTC(2026, 0, 1) + offsetMs).toISOString();

async function failTimes(breaker: CircuitBreaker, times: number): Promise<void> {
  for (let i = 0; i < times; i += 1) await breaker.execute(busy).catch(() => undefined);
}

describe('CircuitBreaker', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    clock = new ManualClock();
    vi.setSystemTime(clock.now());
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('counts consecutive infrastructure failures and opens at the threshold', async () => {
    const breaker = new CircuitBreaker(OPTIONS, { clock });
    await failTimes(breaker, 2);
    expect(breaker.snapshot()).toEqual({
      name: 'store',
      state: 'closed',
      failures: 2,
      openedAt: null,
      halfOpenAt: null,
    });
    advance(5);
    await expect(breaker.execute(busy)).rejects.toBeInstanceOf(TransientDatabaseError);
    expect(breaker.snapshot()).toEqual({
      name: 'store',
      state: 'open',
      failures: 3,
      openedAt: at(5),
      halfOpenAt: at(30_005),
    });
    expect(breaker.state).toEqual({
      kind: 'open',
      openedAt: Date.parse(at(5)),
      halfOpenAt: Date.parse(at(30_005)),
    });
  });

  it('a success resets the count', async () => {
    const breaker = new CircuitBreaker(OPTIONS, { clock });
    await failTimes(breaker, 2);
    await breaker.execute(ok);
    await failTimes(breaker, 2);
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', failures: 2 });
  });

  it('never counts input errors or bugs, and passes them through unchanged', async () => {
    const breaker = new CircuitBreaker(OPTIONS, { clock });
    for (const error of [new DatabaseError('dup', '23505'), new TypeError('bug')]) {
      for (let i = 0; i < 5; i += 1)
        await expect(breaker.execute(() => Promise.reject(error))).rejects.toBe(error);
    }
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', failures: 0 });
  });

  it('rejects fast with E_CIRCUIT_OPEN while open and says when it tries again', async () => {
    const breaker = new CircuitBreaker(OPTIONS, { clock });
    await failTimes(breaker, 3);
    advance(10_000);
    const fn = vi.fn(ok);
    const error = await breaker.execute(fn).catch((e: unknown) => e);
    expect(fn).not.toHaveBeenCalled();
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect(error).toMatchObject({ code: 'E_CIRCUIT_OPEN', exitCode: 69 });
    expect((error as Error).message).toBe(
      `the store circuit breaker is open after 3 consecutive failures; it lets a trial call through at ${at(30_000)} (in 20s)`,
    );
    expect((error as CircuitOpenError).hint).toMatch(/doctor/);
  });

  it('half-opens after the delay, and a successful trial closes it', async () => {
    const breaker = new CircuitBreaker(OPTIONS, { clock });
    await failTimes(breaker, 3);
    advance(29_999);
    await expect(breaker.execute(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    advance(1);
    let during: string | undefined;
    await expect(
      breaker.execute(async () => {
        during = breaker.state.kind;
        return 'trial';
      }),
    ).resolves.toBe('trial');
    expect(during).toBe('half-open');
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', failures: 0, openedAt: null });
  });

  it('reopens when the trial fails', async () => {
    const breaker = new CircuitBreaker(OPTIONS, { clock });
    await failTimes(breaker, 3);
    advance(30_000);
    await expect(
      breaker.execute(() => Promise.reject(new InstanceCrashedError('crashed'))),
    ).rejects.toBeInstanceOf(InstanceCrashedError);
    expect(breaker.snapshot()).toMatchObject({
      state: 'open',
      openedAt: at(30_000),
      halfOpenAt: at(60_000),
    });
    await expect(breaker.execute(ok)).rejects.toBeInstanceOf(CircuitOpenError);
  });

  it('closes with a fresh count when the trial fails with an error that does not count', async () => {
    const breaker = new CircuitBreaker(OPTIONS, { clock });
    await failTimes(breaker, 3);
    advance(30_000);
    const input = new DatabaseError('dup', '23505');
    await expect(breaker.execute(() => Promise.reject(input))).rejects.toBe(input);
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', failures: 0 });
    await failTimes(breaker, 1);
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', failures: 1 });
  });

  it('tells listeners about each change until their subscription is disposed', async () => {
    const breaker = new CircuitBreaker(OPTIONS, { clock });
    const seen: BreakerSnapshot['state'][] = [];
    const subscription = breaker.onStateChange((s) => seen.push(s.state));
    const broken = breaker.onStateChange(() => {
      throw new Error('a bad listener');
    });
    await failTimes(breaker, 3);
    advance(30_000);
    await breaker.execute(ok);
    expect(seen).toEqual(['open', 'half-open', 'closed']);
    subscription.dispose();
    subscription.dispose();
    broken.dispose();
    await failTimes(breaker, 3);
    expect(seen).toEqual(['open', 'half-open', 'closed']);
    expect(breaker.snapshot().state).toBe('open');
  });

  it('resumes an open breaker from toJSON() in a second instance', async () => {
    const first = new CircuitBreaker(OPTIONS, { clock });
    await failTimes(first, 3);
    const document: unknown = JSON.parse(JSON.stringify(first.toJSON()));
    expect(document).toMatchObject({ version: 1, name: 'store', state: 'open', failures: 3 });
    advance(1000);
    const second = new CircuitBreaker(OPTIONS, { clock, initialState: document });
    expect(second.snapshot()).toEqual(first.snapshot());
    const fn = vi.fn(ok);
    await expect(second.execute(fn)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(fn).not.toHaveBeenCalled();
    advance(29_000);
    await expect(second.execute(fn)).resolves.toBe('ok');
    expect(second.snapshot().state).toBe('closed');
  });

  it('resumes the failure count of a closed breaker', async () => {
    const first = new CircuitBreaker(OPTIONS, { clock });
    await failTimes(first, 2);
    const second = new CircuitBreaker(OPTIONS, { clock, initialState: first.toJSON() });
    expect(second.snapshot()).toMatchObject({ state: 'closed', failures: 2 });
    await failTimes(second, 1);
    expect(second.snapshot().state).toBe('open');
  });

  it('resumes a half-open breaker as due for a trial', async () => {
    const first = new CircuitBreaker(OPTIONS, { clock });
    await failTimes(first, 3);
    advance(30_000);
    let document: unknown;
    await first.execute(async () => {
      document = JSON.parse(JSON.stringify(first.toJSON()));
    });
    expect(document).toMatchObject({ state: 'half-open', openedAt: at(0), halfOpenAt: at(30_000) });
    const second = new CircuitBreaker(OPTIONS, { clock, initialState: document });
    expect(second.snapshot()).toMatchObject({ state: 'open', openedAt: at(0) });
    await expect(second.execute(ok)).resolves.toBe('ok');
    expect(second.snapshot().state).toBe('closed');
  });

  it('starts closed from a document it cannot read, or from an isolated one', () => {
    const isolated = {
      version: 1,
      cockatiel: { ownState: { value: 3, counters: 1 }, breakerState: 0 },
    };
    for (const initialState of [undefined, null, 'open', { version: 2 }, isolated]) {
      const breaker = new CircuitBreaker(OPTIONS, { clock, initialState });
      expect(breaker.snapshot()).toMatchObject({ state: 'closed', failures: 0 });
    }
  });

  it('validates its options', () => {
    expect(() => new CircuitBreaker({ threshold: 0 }, { clock })).toThrow(RangeError);
    expect(() => new CircuitBreaker({ halfOpenAfterMs: -1 }, { clock })).toThrow(RangeError);
  });
});
