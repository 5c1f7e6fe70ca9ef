import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import type { SettingValue } from '../../src/config/load-config.js';
import type { SettingKey } from '../../src/config/settings.js';
import type { Store } from '../../src/store/store.js';
import { openTieredCache } from '../../src/tiers/open-tiered-cache.js';
import type { TieredCache } from '../../src/tiers/tiered-cache.js';
import { openTestStore } from '../support/open-test-store.js';
import { ORIGIN_FIXTURES, TestOrigin } from '../support/test-origin.js';

const fixture = (path: string): unknown =>
  JSON.parse(readFileSync(join(ORIGIN_FIXTURES, path), 'utf8'));
const BUTTON = fixture('react/button.json');

describe('the tiered cache', () => {
  let store: Store;
  let clock: ManualClock;
  let origin: TestOrigin;
  const caches: TieredCache[] = [];
  const open = async (
    settings: Partial<Record<SettingKey, SettingValue>> = {},
  ): Promise<TieredCache> => {
    const cache = await openTieredCache(store, {
      settings: { 'origin.url': origin.template, ...settings },
      clock,
    });
    caches.push(cache);
    return cache;
  };

  // Moving a manual clock far fires the store's background flush and then that flush's own
  // attempt timeout while it runs; write everything first so that nothing is in flight.
  const advance = async (ms: number): Promise<void> => {
    await Promise.all(caches.map((c) => c.stats()));
    clock.advance(ms);
    if (vi.isFakeTimers()) vi.setSystemTime(clock.now());
  };

  beforeAll(async () => {
    ({ store, clock } = await openTestStore({ defaultTtlMs: '1h' }));
    origin = await TestOrigin.start();
  });
  afterEach(async () => {
    origin.failWith(undefined);
    origin.release();
    await Promise.all(caches.splice(0).map((c) => c.close()));
    await store.flush();
    await store.execute('write', 'test.reset', (db) =>
      db.exec(`DELETE FROM pgcache_entries; DELETE FROM pgcache_outbox;
               DELETE FROM pgcache_counters; DELETE FROM pgcache_meta`),
    );
    origin.requests.length = 0;
    origin.stored.clear();
  });
  afterAll(async () => {
    await store.close();
    await origin.close();
  });

  it('read-through: a miss is loaded from the origin once, then answered by L1, then by L2 in a new process', async () => {
    const cache = await open();
    const first = await cache.get('component:react:button', { ttlMs: 60_000 });
    expect(first).toMatchObject({ tier: 'l3', stale: false, entry: { value: BUTTON } });
    expect(first?.entry.expiresAt?.getTime()).toBe(clock.now() + 60_000);
    expect(await cache.get('component:react:button')).toMatchObject({ tier: 'l1', stale: false });
    const other = await open();
    expect(await other.get('component:react:button')).toMatchObject({
      tier: 'l2',
      entry: { value: BUTTON },
    });
    expect(origin.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /react/button.json']);
    expect(await cache.get('component:react:nope')).toBeUndefined();
    const stats = await cache.stats();
    expect(stats.tiers.l3).toMatchObject({ hits: 1, misses: 1, latencyMs: { count: 2 } });
    expect(stats.tiers.l3.latencyMs.cumulative.at(-1)).toBe(2);
    expect(stats.tiers.l1).toMatchObject({ hits: 1, misses: 2 });
    // This cache's two misses (the other cache's hit is not flushed yet); the store's first
    // lookup since it was opened is cold: timed apart, out of the histogram.
    expect(stats.tiers.l2).toMatchObject({
      hits: 0,
      misses: 2,
      latencyMs: { count: 1 },
      coldLatencyMs: { count: 1 },
    });
    expect(stats.origin).toMatchObject({ requests: 2, failures: 0 });
  });

  it.each(['write-through', 'write-behind'] as const)(
    'the %s strategy without an origin is refused when the cache opens (E_CONFIG), not at the first write',
    async (strategy) => {
      await expect(openTieredCache(store, { settings: { strategy } })).rejects.toMatchObject({
        code: 'E_CONFIG',
        exitCode: 78,
        message: `the ${strategy} strategy needs an origin, and none is configured`,
      });
    },
  );

  it('an invalid key is refused (E_INVALID_KEY) before any tier is asked, the origin included', async () => {
    const cache = await open();
    await expect(cache.get('no kind here')).rejects.toMatchObject({ code: 'E_INVALID_KEY' });
    expect(origin.requests).toEqual([]);
  });

  it('an entry promoted from L2 keeps the TTL it had left, not a fresh one', async () => {
    await store.set('component:react:card', { v: 1 }, { ttlMs: 10_000 });
    const expiresAt = clock.now() + 10_000;
    await advance(6000);
    const cache = await open({ strategy: 'cache-aside', 'memory.ttlMs': 0 });
    const promoted = await cache.get('component:react:card');
    expect(promoted).toMatchObject({ tier: 'l2' });
    expect(promoted?.entry.expiresAt?.getTime()).toBe(expiresAt);
    await advance(3000);
    expect(await cache.get('component:react:card')).toMatchObject({ tier: 'l1' });
    await advance(1000);
    expect(cache.memory.get('component:react:card')).toBeUndefined();
    expect(await cache.get('component:react:card')).toBeUndefined();
  });

  it('single-flight: 50 concurrent gets of one missing key make exactly one origin request', async () => {
    const cache = await open();
    origin.hold();
    const gets = Array.from({ length: 50 }, () => cache.get('component:react:button'));
    // The origin answers nothing until released, so the flight cannot end before every other get
    // has found it: all 49 join it (none can be answered by an L1 the flight filled).
    await vi.waitFor(
      async () => {
        expect(origin.count()).toBe(1);
        expect((await cache.stats()).origin.singleFlightJoins).toBe(49);
      },
      { timeout: 10_000 },
    );
    origin.release();
    const reads = await Promise.all(gets);
    expect(reads).toEqual(
      Array.from({ length: 50 }, () =>
        expect.objectContaining({
          tier: 'l3',
          stale: false,
          entry: expect.objectContaining({ key: 'component:react:button', value: BUTTON }),
        }),
      ),
    );
    expect(origin.count()).toBe(1);
    expect((await cache.stats()).origin).toMatchObject({ requests: 1, singleFlightJoins: 49 });
  });

  it('grace: while the origin fails, an entry expired less than the grace period ago is served stale', async () => {
    const cache = await open({ grace: '10m' });
    await cache.set('component:react:button', { old: true }, { ttlMs: 1000 });
    await advance(2000);
    origin.failWith(503);
    expect(await cache.get('component:react:button')).toMatchObject({
      tier: 'l2',
      stale: true,
      entry: { value: { old: true } },
    });
    // With L2 out of reach of grace reads (purged), L1's stale copy is the one served.
    await store.delete(['component:react:button']);
    expect(await cache.get('component:react:button')).toMatchObject({ tier: 'l1', stale: true });
    await advance(10 * 60_000);
    await expect(cache.get('component:react:button')).rejects.toMatchObject({
      code: 'E_ORIGIN_UNAVAILABLE',
      exitCode: 69,
      message: expect.stringMatching(/HTTP 503; there is no cached copy of component:react:button/),
    });
    expect((await cache.stats()).origin).toMatchObject({ staleServed: 2, failures: 3 });
  });

  it('without grace an expired entry is never served, and a 404 from the origin is a miss', async () => {
    const cache = await open();
    await cache.set('component:react:gone', { old: true }, { ttlMs: 1000 });
    await advance(2000);
    origin.failWith('reset');
    await expect(cache.get('component:react:gone')).rejects.toMatchObject({
      code: 'E_ORIGIN_UNAVAILABLE',
    });
    origin.failWith(undefined);
    expect(await cache.get('component:react:gone')).toBeUndefined();
  });

  it('soft timeout: a slow origin is not waited for when a stale copy exists; it refreshes in the background', async () => {
    const cache = await open({ grace: '1h', 'origin.softTimeoutMs': '200ms' });
    await cache.set('component:react:button', { old: true }, { ttlMs: 1000 });
    await advance(2000);
    origin.hold();
    const read = cache.get('component:react:button');
    await vi.waitFor(() => expect(origin.count()).toBe(1), { timeout: 10_000 });
    await advance(200);
    expect(await read).toMatchObject({ tier: 'l2', stale: true, entry: { value: { old: true } } });
    origin.release();
    await cache.close();
    const fresh = await (await open()).get('component:react:button');
    expect(fresh).toMatchObject({ tier: 'l2', stale: false, entry: { value: BUTTON } });
    expect((await cache.stats()).origin).toMatchObject({ backgroundRefreshes: 1, requests: 1 });
  });

  it('hard timeout: a hung origin fails the call when there is no stale copy', async () => {
    const cache = await open({ 'origin.timeoutMs': '2s' });
    origin.hold();
    const read = cache.get('component:react:button');
    await vi.waitFor(() => expect(origin.count()).toBe(1), { timeout: 10_000 });
    await advance(2000);
    await expect(read).rejects.toMatchObject({
      code: 'E_ORIGIN_UNAVAILABLE',
      message: expect.stringContaining('no answer within 2s'),
    });
  });

  describe('the origin breaker', () => {
    beforeAll(() => {
      // cockatiel reads Date.now() itself: keep it in step with the manual clock.
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(clock.now());
    });
    afterAll(() => {
      vi.useRealTimers();
    });

    it('opens after consecutive failures, fails fast while open (serving stale), and recovers', async () => {
      const settings = {
        'breaker.threshold': 2,
        'breaker.halfOpenAfterMs': '30s',
        grace: '1h',
      } as const;
      const cache = await open(settings);
      await cache.set('component:react:card', { old: true }, { ttlMs: 1000 });
      await advance(2000);
      origin.failWith(503);
      for (let i = 0; i < 2; i += 1)
        await expect(cache.get('component:react:button')).rejects.toMatchObject({
          code: 'E_ORIGIN_UNAVAILABLE',
          breakerOpen: false,
        });
      await expect(cache.get('component:react:button')).rejects.toMatchObject({
        code: 'E_ORIGIN_UNAVAILABLE',
        breakerOpen: true,
        message: expect.stringContaining('the origin circuit breaker is open'),
      });
      expect(await cache.get('component:react:card')).toMatchObject({ stale: true });
      expect(origin.count()).toBe(2);
      // The transition is recorded in the background (vi.waitFor cannot run under a fake Date).
      for (let i = 0; i < 100; i += 1) {
        if ((await store.readMeta<{ state: string }>('breaker:origin'))?.state === 'open') break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(await store.readMeta('breaker:origin')).toMatchObject({ state: 'open' });
      // Another process resumes the open breaker from the store.
      const other = await open(settings);
      await expect(other.get('component:react:button')).rejects.toMatchObject({
        breakerOpen: true,
      });
      await other.close();

      origin.failWith(undefined);
      await advance(30_000);
      expect(await cache.get('component:react:button')).toMatchObject({ tier: 'l3' });
      expect(cache.originBreaker?.snapshot().state).toBe('closed');
      expect(origin.count()).toBe(3);
      expect((await cache.stats()).origin).toMatchObject({ rejected: 3, failures: 2 });
    });
  });

  describe('strategies', () => {
    it('read-through and cache-aside writes stay in the cache; cache-aside never reads the origin', async () => {
      const readThrough = await open();
      await readThrough.set('component:react:x', { a: 1 });
      const aside = await open({ strategy: 'cache-aside' });
      await aside.set('component:react:y', { b: 2 });
      expect(await aside.get('component:react:button')).toBeUndefined();
      expect(await aside.get('component:react:y')).toMatchObject({ tier: 'l1' });
      expect((await store.get('component:react:x'))?.value).toEqual({ a: 1 });
      expect(origin.count()).toBe(0);
    });

    it('write-through writes the origin first; when it fails nothing is cached', async () => {
      const cache = await open({ strategy: 'write-through' });
      await cache.set('component:react:x', { a: 1 });
      expect(origin.stored.get('/react/x.json')).toBe('{"a":1}');
      expect((await store.get('component:react:x'))?.value).toEqual({ a: 1 });
      origin.failWith(500);
      await expect(cache.set('component:react:x', { a: 2 })).rejects.toMatchObject({
        code: 'E_ORIGIN_UNAVAILABLE',
      });
      expect((await store.get('component:react:x'))?.value).toEqual({ a: 1 });
      await expect(cache.setMany([{ key: 'a:1', value: 1 }])).rejects.toMatchObject({
        code: 'E_USAGE',
      });
    });

    it('write-behind acknowledges after L2 + outbox; the flusher sends the newest value per key', async () => {
      const cache = await open({ strategy: 'write-behind' });
      await cache.set('component:react:x', { v: 1 });
      await cache.set('component:react:x', { v: 2 });
      await cache.setMany([
        { key: 'component:react:y', value: 'y' },
        { key: 'component:react:z', value: 'z' },
      ]);
      expect(origin.count()).toBe(0);
      expect(await cache.outboxFigures()).toMatchObject({ depth: 4, keys: 3, retrying: 0 });
      expect(await cache.flushOutbox()).toEqual({ sent: 3, failed: 0, breakerOpen: false });
      expect(origin.requests.map((r) => `${r.method} ${r.path} ${r.body}`)).toEqual([
        'PUT /react/x.json {"v":2}',
        'PUT /react/y.json "y"',
        'PUT /react/z.json "z"',
      ]);
      expect((await cache.outboxFigures()).depth).toBe(0);
    });

    it('write-behind with the origin down: the write waits, backs off, and is sent once the origin is up', async () => {
      const cache = await open({ strategy: 'write-behind' });
      await cache.set('component:react:x', { v: 1 });
      origin.failWith(503);
      expect(await cache.flushOutbox()).toEqual({ sent: 0, failed: 1, breakerOpen: false });
      expect(await cache.outboxFigures()).toMatchObject({
        depth: 1,
        retrying: 1,
        lastError: expect.stringContaining('HTTP 503'),
      });
      origin.failWith(undefined);
      expect(await cache.flushOutbox()).toEqual({ sent: 0, failed: 0, breakerOpen: false });
      await advance(1000);
      expect(await cache.flushOutbox()).toEqual({ sent: 1, failed: 0, breakerOpen: false });
      expect(origin.stored.get('/react/x.json')).toBe('{"v":1}');
    });
  });
});
