import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Entry } from '../../src/store/entry.js';
import { MemoryTier } from '../../src/tiers/memory-tier.js';
import { SingleFlight } from '../../src/tiers/single-flight.js';

const clock = new ManualClock();
const entry = (key: string, sizeBytes: number, ttlMs: number | null): Entry => ({
  key,
  kind: 'generic',
  namespace: key.split(':')[0] ?? null,
  framework: null,
  sizeBytes,
  expiresAt: ttlMs === null ? null : new Date(clock.now() + ttlMs),
  value: 'x'.repeat(sizeBytes),
});

describe('MemoryTier', () => {
  it('is bounded by bytes: the least recently used entries go first', () => {
    const memory = new MemoryTier({ maxBytes: 300, ttlMs: 0 }, { clock });
    for (const key of ['a:1', 'a:2', 'a:3']) memory.set(entry(key, 97, null));
    expect(memory.get('a:1')?.state).toBe('live');
    memory.set(entry('a:4', 97, null));
    expect([memory.size, memory.bytes]).toEqual([3, 300]);
    expect(memory.get('a:2')).toBeUndefined();
    expect(memory.get('a:1')?.state).toBe('live');
  });

  it('expires each entry at its own expiresAt on the injected clock, and keeps it stale within grace', () => {
    const memory = new MemoryTier({ ttlMs: 0 }, { clock });
    memory.set(entry('t:1', 10, 5000));
    clock.advance(4999);
    expect(memory.get('t:1', 1000)?.state).toBe('live');
    clock.advance(1);
    expect(memory.get('t:1', 1000)?.state).toBe('stale');
    clock.advance(1000);
    expect(memory.get('t:1', 1000)).toBeUndefined();
    expect(memory.size).toBe(0);
  });

  it('answers for an entry at most ttlMs, then leaves it to the store', () => {
    const memory = new MemoryTier({ ttlMs: 1000 }, { clock });
    memory.set(entry('t:2', 10, 60_000));
    clock.advance(1000);
    expect(memory.get('t:2', 60_000)).toBeUndefined();
  });

  it('holds nothing with maxBytes 0', () => {
    const memory = new MemoryTier({ maxBytes: 0 }, { clock });
    memory.set(entry('t:3', 10, null));
    expect([memory.enabled, memory.get('t:3')]).toEqual([false, undefined]);
  });
});

describe('SingleFlight', () => {
  it('shares one call per key while it runs, and frees the key once it settles', async () => {
    const flights = new SingleFlight<number>();
    let calls = 0;
    let finish: (n: number) => void = () => undefined;
    const start = () => {
      calls += 1;
      return new Promise<number>((resolve) => (finish = resolve));
    };
    const first = flights.run('k', start);
    const second = flights.run('k', start);
    expect([first.joined, second.joined, calls]).toEqual([false, true, 1]);
    finish(7);
    expect(await Promise.all([first.promise, second.promise])).toEqual([7, 7]);
    expect(flights.size).toBe(0);
    const failing = flights.run('k', () => Promise.reject(new Error('boom')));
    await expect(failing.promise).rejects.toThrow('boom');
    expect(flights.run('k', () => Promise.resolve(1)).joined).toBe(false);
  });
});
