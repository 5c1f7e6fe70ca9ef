import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import {
  NamespaceRateLimiter,
  TokenBucket,
  retryAfterSeconds,
} from '../../src/namespaces/rate-limiter.js';

describe('TokenBucket', () => {
  it('lets a burst through, then one call per 1/rate seconds, and says how long to wait', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ ratePerSec: 2, burst: 3 }, { clock });
    expect([bucket.take(), bucket.take(), bucket.take()].map((d) => d.allowed)).toEqual([
      true,
      true,
      true,
    ]);
    expect(bucket.take()).toEqual({ allowed: false, limit: 3, retryAfterMs: 500 });
    clock.advance(250);
    expect(bucket.take()).toEqual({ allowed: false, limit: 3, retryAfterMs: 250 });
    clock.advance(250);
    expect(bucket.take()).toEqual({ allowed: true, limit: 3, remaining: 0, resetMs: 1500 });
    clock.advance(60_000);
    expect(bucket.take()).toEqual({ allowed: true, limit: 3, remaining: 2, resetMs: 500 });
  });

  it('refuses a rate or burst that cannot work', () => {
    const clock = new ManualClock();
    expect(() => new TokenBucket({ ratePerSec: 0 }, { clock })).toThrow(RangeError);
    expect(() => new TokenBucket({ ratePerSec: 1, burst: 0.5 }, { clock })).toThrow(RangeError);
  });
});

describe('NamespaceRateLimiter', () => {
  it('keeps one bucket per namespace, so a noisy namespace does not use up a quiet one', async () => {
    const clock = new ManualClock();
    const limiter = new NamespaceRateLimiter(
      { '*': { ratePerSec: 1 }, noisy: { ratePerSec: 5, burst: 5 }, free: { maxBytes: 10 } },
      { clock },
    );
    const noisy = Array.from({ length: 8 }, () => limiter.check('noisy').allowed);
    expect(noisy).toEqual([true, true, true, true, true, false, false, false]);
    expect(limiter.check('quiet')).toEqual({
      allowed: true,
      limit: 1,
      remaining: 0,
      resetMs: 1000,
    });
    expect(limiter.check('other')).toMatchObject({ allowed: true });
    expect(limiter.check('quiet')).toEqual({ allowed: false, limit: 1, retryAfterMs: 1000 });
    expect(limiter.check('free')).toMatchObject({ allowed: true, remaining: Infinity });
    expect(limiter.check(null)).toMatchObject({ allowed: true });
    await expect(limiter.run('noisy', () => Promise.resolve('ran'))).rejects.toMatchObject({
      code: 'E_RATE_LIMITED',
      exitCode: 75,
      retryAfterMs: 200,
    });
    clock.advance(200);
    expect(await limiter.run('noisy', () => Promise.resolve('ran'))).toBe('ran');
    expect([retryAfterSeconds(200), retryAfterSeconds(1001)]).toEqual([1, 2]);
  });
});
