import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { openTestStore } from '../support/open-test-store.js';

describe('maintain', () => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
  });

  it('purges expired entries, evicts least-recently-used ones down to the low-water mark, and records the run', async () => {
    const opened = await openTestStore({
      maxSizeBytes: 900,
      lowWaterPercent: 50,
      defaultTtlMs: '1h',
    });
    store = opened.store;
    const { clock } = opened;
    // Ten entries of exactly 100 bytes each (a 98-character string plus its quotes).
    for (let i = 0; i < 10; i += 1) {
      await store.set(`lru:${i}`, String(i).padEnd(98, '.'));
      clock.advance(1000);
    }
    await store.set('lru:expiring', 'e'.padEnd(98, '.'), { ttlMs: 500 });
    clock.advance(1000);
    // Reading 0 and 1 makes them recent: they must survive the eviction.
    await store.get('lru:0');
    await store.get('lru:1');

    const dry = await store.maintain({ dryRun: true });
    expect(dry).toMatchObject({
      dryRun: true,
      expiredPurged: 1,
      expiredBytes: 100,
      evicted: 6,
      evictedBytes: 600,
      reclaimed: 'dry-run',
    });
    expect((await store.stats()).entries.total).toBe(11);
    expect((await store.stats()).lastMaintenance).toBeNull();
    expect((await store.stats()).removed).toEqual({ expired: 0, evicted: 0 });

    const report = await store.maintain();
    expect(report).toMatchObject({
      dryRun: false,
      expiredPurged: 1,
      evicted: 6,
      bytesFreed: 700,
      sizeBefore: 1100,
      sizeAfter: 400,
      lowWaterBytes: 450,
      reclaimed: 'vacuum+checkpoint',
    });
    expect(report.diskBytesBefore).toBeGreaterThan(0);
    const left = (await store.list()).map((e) => e.key);
    expect(left).toEqual(['lru:0', 'lru:1', 'lru:8', 'lru:9']);
    const stats = await store.stats();
    expect(stats.bytes.total).toBe(400);
    expect(stats.lastMaintenance).toMatchObject({
      at: report.startedAt,
      expiredPurged: 1,
      evicted: 6,
    });

    const again = await store.maintain();
    expect(again).toMatchObject({ expiredPurged: 0, evicted: 0, bytesFreed: 0 });
    // Counted for good, unlike the expired-not-purged gauge, which is back to 0.
    expect(await store.stats()).toMatchObject({ expired: 0, removed: { expired: 1, evicted: 6 } });
  });

  it('evicts nothing while the store is under its max size', async () => {
    ({ store } = await openTestStore({ maxSizeBytes: '1MB' }));
    await store.set('a:1', 'x'.repeat(1000));
    expect(await store.maintain()).toMatchObject({
      expiredPurged: 0,
      evicted: 0,
      bytesFreed: 0,
      sizeAfter: 1002,
    });
  });

  it('works through many expired rows in bounded batches', async () => {
    const opened = await openTestStore();
    store = opened.store;
    await store.setMany(
      Array.from({ length: 1200 }, (_, i) => ({ key: `bulk:${i}`, value: i, ttlMs: 10 })),
    );
    opened.clock.advance(10);
    const report = await store.maintain();
    expect(report.expiredPurged).toBe(1200);
    expect(await store.stats()).toMatchObject({
      entries: { total: 0 },
      removed: { expired: 1200, evicted: 0 },
    });
  });
});

describe('maintain with a grace period', () => {
  it('keeps expired entries for the grace period, then purges them', async () => {
    const { store, clock } = await openTestStore({ grace: '1h' });
    try {
      await store.set('g:1', 1, { ttlMs: 1000 });
      clock.advance(2000);
      expect(await store.maintain()).toMatchObject({ expiredPurged: 0 });
      expect((await store.get('g:1', { graceMs: 3_600_000 }))?.value).toBe(1);
      expect(await store.get('g:1')).toBeUndefined();
      await store.flush(); // nothing in flight while the manual clock jumps an hour
      clock.advance(3_600_000);
      expect(await store.maintain()).toMatchObject({ expiredPurged: 1 });
    } finally {
      await store.close();
    }
  });

  it('dry run predicts the eviction of entries still in their grace period', async () => {
    const { store, clock } = await openTestStore({
      grace: '1h',
      maxSizeBytes: 900,
      lowWaterPercent: 50,
    });
    try {
      // Three 200-byte entries that expire first (and are least recently used), then eight
      // live 100-byte entries: 1400 bytes, so 950 must go to reach the 450-byte low-water mark.
      for (let i = 0; i < 3; i += 1) {
        await store.set(`grace:${i}`, String(i).padEnd(198, '.'), { ttlMs: 500 });
        clock.advance(1000);
      }
      for (let i = 0; i < 8; i += 1) {
        await store.set(`lru:${i}`, String(i).padEnd(98, '.'));
        clock.advance(1000);
      }

      const dry = await store.maintain({ dryRun: true });
      const report = await store.maintain();
      expect(report).toMatchObject({ expiredPurged: 0, evicted: 7, evictedBytes: 1000 });
      expect(dry).toMatchObject({
        expiredPurged: report.expiredPurged,
        evicted: report.evicted,
        evictedBytes: report.evictedBytes,
        bytesFreed: report.bytesFreed,
        sizeAfter: report.sizeAfter,
      });
      const left = (await store.list({ includeExpired: true })).map((e) => e.key);
      expect(left).toEqual(['lru:4', 'lru:5', 'lru:6', 'lru:7']);
    } finally {
      await store.close();
    }
  });
});
