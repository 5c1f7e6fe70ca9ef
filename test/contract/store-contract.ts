import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import type { SettingValue } from '../../src/config/load-config.js';
import type { SettingKey } from '../../src/config/settings.js';
import type { Store } from '../../src/store/store.js';
import { openTieredCache } from '../../src/tiers/open-tiered-cache.js';
import { TestOrigin } from '../support/test-origin.js';

/** A store to run the contract against, and how to clean up after it. */
export interface ContractStore {
  readonly store: Store;
  readonly clock: ManualClock;
  readonly dispose: () => Promise<void>;
}

/** Opens a fresh, empty, migrated store with `settings` for one contract run. */
export type OpenContractStore = (
  settings: Partial<Record<SettingKey, SettingValue>>,
) => Promise<ContractStore>;

/**
 * The behaviour every backend must show (embedded PGlite, a PostgreSQL server, a `serve`
 * endpoint): one suite, run against each.
 */
export function storeContract(name: string, open: OpenContractStore): void {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    let clock: ManualClock;
    let dispose: () => Promise<void>;
    beforeAll(async () => {
      ({ store, clock, dispose } = await open({
        defaultTtlMs: '1h',
        maxEntryBytes: 1000,
        namespaces: { quota: { maxEntries: 2 } },
      }));
    });
    afterAll(async () => {
      await store.close();
      await dispose();
    });
    beforeEach(async () => {
      const keys = (await store.list({ limit: 100_000, includeExpired: true })).map((e) => e.key);
      await store.delete(keys);
    });

    it('stores and reads a value with its kind, size and expiry', async () => {
      const summary = await store.set('component:react:button', { name: 'button', code: 'é' });
      expect(summary).toMatchObject({
        key: 'component:react:button',
        kind: 'component',
        framework: 'react',
        sizeBytes: 29,
      });
      expect(summary.expiresAt?.getTime()).toBe(clock.now() + 3_600_000);
      const entry = await store.get('component:react:button');
      expect(entry).toMatchObject({
        value: { name: 'button', code: 'é' },
        kind: 'component',
        sizeBytes: 29,
      });
    });

    it('computes the size itself: UTF-8 bytes of the compact JSON, whatever the input looked like', async () => {
      const summary = await store.set(
        'app:size',
        JSON.parse('{ "a" :  [1, 2,  3],  "s": "日本" }'),
      );
      expect(summary.sizeBytes).toBe(Buffer.byteLength('{"a":[1,2,3],"s":"日本"}'));
    });

    it('treats an expired entry as a miss before maintain purges it', async () => {
      await store.set('app:short', 1, { ttlMs: 30_000 });
      clock.advance(29_999);
      expect((await store.get('app:short'))?.value).toBe(1);
      clock.advance(1);
      expect(await store.get('app:short')).toBeUndefined();
      expect((await store.list({ includeExpired: true })).map((e) => e.key)).toEqual(['app:short']);
      expect(await store.list()).toEqual([]);
    });

    it('ttl 0 never expires', async () => {
      const summary = await store.set('app:forever', true, { ttlMs: 0 });
      expect(summary.expiresAt).toBeNull();
      clock.advance(10 * 365 * 86_400_000);
      expect((await store.get('app:forever'))?.value).toBe(true);
    });

    it('records reads: access time, access count, hits and misses reach the store on flush', async () => {
      await store.set('app:read', 'x');
      await store.set('app:read"\\{,}', 'y');
      const before = await store.stats();
      clock.advance(5000);
      await store.get('app:read');
      await store.get('app:read');
      await store.get('app:read"\\{,}');
      await store.get('app:missing');
      await store.flush();
      const [entry, odd] = await store.list({ prefix: 'app:read' });
      expect(entry?.accessCount).toBe(2);
      expect(entry?.accessedAt.getTime()).toBe(clock.now());
      expect(odd).toMatchObject({ key: 'app:read"\\{,}', accessCount: 1 });
      const after = await store.stats();
      expect(after.hits - before.hits).toBe(3);
      expect(after.misses - before.misses).toBe(1);
    });

    it('keeps an entry’s access record through a live replacement, and starts it afresh after expiry or a delete', async () => {
      const record = async () => {
        const [entry] = await store.list({ prefix: 'app:rec', includeExpired: true });
        return {
          createdAt: entry?.createdAt.getTime(),
          accessedAt: entry?.accessedAt.getTime(),
          accessCount: entry?.accessCount,
        };
      };
      const created = clock.now();
      await store.set('app:rec', 1, { ttlMs: 10_000 });
      clock.advance(1000);
      await store.get('app:rec');
      await store.get('app:rec');
      await store.flush();
      const read = clock.now();
      // A live replacement, at the same instant as the reads and a second later: kept.
      await store.set('app:rec', 2, { ttlMs: 10_000 });
      clock.advance(1000);
      await store.set('app:rec', 3, { ttlMs: 1000 });
      expect(await record()).toEqual({ createdAt: created, accessedAt: read, accessCount: 2 });
      // Replacing the expired entry starts a new one.
      clock.advance(1000);
      await store.set('app:rec', 4);
      expect(await record()).toEqual({
        createdAt: clock.now(),
        accessedAt: clock.now(),
        accessCount: 0,
      });
      clock.advance(1000);
      await store.get('app:rec');
      await store.flush();
      await store.delete(['app:rec']);
      await store.set('app:rec', 5);
      expect(await record()).toEqual({
        createdAt: clock.now(),
        accessedAt: clock.now(),
        accessCount: 0,
      });
    });

    it('sums sizes exactly across kinds through updates, deletes, expiry and eviction', async () => {
      const component = await store.set('component:react:card', { src: 'x'.repeat(100) });
      const block = await store.set('block:react:dash', {
        category: 'dashboards',
        files: ['a', 'b'],
      });
      const generic = await store.set('session:1', { user: 'ann' }, { ttlMs: 1000 });
      let stats = await store.stats();
      expect(stats.bytes.byKind).toEqual({
        component: component.sizeBytes,
        block: block.sizeBytes,
        generic: generic.sizeBytes,
      });
      expect(stats.bytes.total).toBe(component.sizeBytes + block.sizeBytes + generic.sizeBytes);
      expect(stats.entries).toEqual({ total: 3, byKind: { component: 1, block: 1, generic: 1 } });
      const updated = await store.set('component:react:card', { src: 'short' });
      stats = await store.stats();
      expect(stats.bytes.total).toBe(updated.sizeBytes + block.sizeBytes + generic.sizeBytes);
      clock.advance(1000);
      stats = await store.stats();
      expect(stats.expired).toBe(1);
      expect(stats.expiredBytes).toBe(generic.sizeBytes);
      const report = await store.maintain();
      expect(report).toMatchObject({
        expiredPurged: 1,
        expiredBytes: generic.sizeBytes,
        evicted: 0,
      });
      expect((await store.stats()).bytes.total).toBe(updated.sizeBytes + block.sizeBytes);
      expect(await store.delete(['block:react:dash'])).toBe(1);
      expect((await store.stats()).bytes).toMatchObject({
        total: updated.sizeBytes,
        byKind: { component: updated.sizeBytes, block: 0, generic: 0 },
      });
    });

    it('writes a batch atomically: one invalid item and nothing is stored', async () => {
      await expect(
        store.setMany([
          { key: 'batch:1', value: 1 },
          { key: 'batch:2', value: 'x'.repeat(2000) },
        ]),
      ).rejects.toMatchObject({
        code: 'E_VALUE_TOO_LARGE',
        message: expect.stringMatching(/^item 2: /),
      });
      expect(await store.list({ prefix: 'batch:' })).toEqual([]);
      expect(
        await store.setMany([
          { key: 'batch:1', value: 1 },
          { key: 'batch:2', value: 2, ttlMs: 0 },
        ]),
      ).toEqual({ written: 2, bytes: 2 });
      expect((await store.list({ prefix: 'batch:' })).map((e) => [e.key, e.expiresAt])).toEqual([
        ['batch:1', new Date(clock.now() + 3_600_000)],
        ['batch:2', null],
      ]);
    });

    it('refuses bad input before touching the database', async () => {
      await store.set('app:kept', 'original');
      await expect(store.set('app:kept', 'y'.repeat(1001))).rejects.toMatchObject({
        code: 'E_VALUE_TOO_LARGE',
        exitCode: 65,
      });
      await expect(store.set('bad key', 1)).rejects.toMatchObject({
        code: 'E_INVALID_KEY',
        exitCode: 2,
      });
      await expect(store.set('app:kept', undefined)).rejects.toMatchObject({
        code: 'E_INVALID_JSON',
        exitCode: 65,
      });
      await expect(store.set('app:kept', 'nul\u0000char')).rejects.toMatchObject({
        code: 'E_INVALID_JSON',
      });
      await expect(store.set('app:kept', 'half \ud800 a pair')).rejects.toMatchObject({
        code: 'E_INVALID_JSON',
        exitCode: 65,
      });
      await expect(store.set('app:kept', 1, { ttlMs: -5 })).rejects.toMatchObject({
        code: 'E_USAGE',
      });
      await expect(store.set('app:kept', 1, { ttlMs: 1e15 })).rejects.toMatchObject({
        code: 'E_USAGE',
        message: expect.stringContaining('36500d'),
      });
      expect((await store.get('app:kept'))?.value).toBe('original');
      // The text of an escape is not the escape: a backslash then u0000 is stored as given.
      await store.set('app:escaped', 'a \\u0000 and \\ud800 as text');
      expect((await store.get('app:escaped'))?.value).toBe('a \\u0000 and \\ud800 as text');
    });

    it('keeps twenty concurrent writes, all readable afterwards', async () => {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.set(`component:react:concurrent-${i}`, { code: `code ${i}` }),
        ),
      );
      const values = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.get(`component:react:concurrent-${i}`)),
      );
      expect(values.map((e) => (e?.value as { code: string }).code)).toEqual(
        Array.from({ length: 20 }, (_, i) => `code ${i}`),
      );
    });

    it('deletes and counts only live entries', async () => {
      await store.set('d:1', 1);
      await store.set('d:2', 2, { ttlMs: 10 });
      clock.advance(10);
      expect(await store.delete(['d:1', 'd:2', 'd:3'])).toBe(1);
      expect(await store.list({ includeExpired: true, prefix: 'd:' })).toEqual([]);
    });

    it('lists by kind, framework, category, namespace, prefix and JSON fields, ordered by key', async () => {
      await store.set('component:react:b', { tags: { level: 2 } });
      await store.set('component:vue:a', { tags: { level: 1 } });
      await store.set('block:react:dash', { category: 'dashboards' });
      await store.set('user:1', { role: 'admin', active: true });
      await store.set('user:2', { role: 'viewer', active: true });
      const keys = async (filter: Parameters<Store['list']>[0]) =>
        (await store.list(filter)).map((e) => e.key);
      expect(await keys({ kind: 'component' })).toEqual(['component:react:b', 'component:vue:a']);
      expect(await keys({ framework: 'react' })).toEqual(['block:react:dash', 'component:react:b']);
      expect(await keys({ category: 'dashboards' })).toEqual(['block:react:dash']);
      expect(await keys({ namespace: 'user' })).toEqual(['user:1', 'user:2']);
      expect(await keys({ prefix: 'user:' })).toEqual(['user:1', 'user:2']);
      expect(await keys({ prefix: 'user_' })).toEqual([]);
      expect(await keys({ where: [{ path: ['role'], value: 'admin' }] })).toEqual(['user:1']);
      expect(
        await keys({
          where: [
            { path: ['active'], value: true },
            { path: ['role'], value: 'viewer' },
          ],
        }),
      ).toEqual(['user:2']);
      expect(await keys({ where: [{ path: ['tags', 'level'], value: 2 }] })).toEqual([
        'component:react:b',
      ]);
      expect(await keys({ limit: 2 })).toEqual(['block:react:dash', 'component:react:b']);
      await expect(store.list({ limit: 0 })).rejects.toMatchObject({ code: 'E_USAGE' });
    });

    it('enforces namespace quotas on write, all or nothing', async () => {
      await store.setMany([
        { key: 'quota:a', value: 1 },
        { key: 'quota:b', value: 2 },
      ]);
      await store.set('quota:b', 3);
      await expect(store.set('quota:c', 4)).rejects.toMatchObject({ code: 'E_QUOTA_EXCEEDED' });
      expect((await store.list({ namespace: 'quota' })).map((e) => e.key)).toEqual([
        'quota:a',
        'quota:b',
      ]);
    });

    it('keeps the write-behind outbox with its entries and sends the newest write per key', async () => {
      const origin = await TestOrigin.start();
      const cache = await openTieredCache(store, {
        settings: { 'origin.url': origin.template, strategy: 'write-behind' },
        clock,
      });
      try {
        await cache.set('component:react:wb', { v: 1 });
        await cache.set('component:react:wb', { v: 2 });
        expect(await cache.outboxFigures()).toMatchObject({ depth: 2, keys: 1 });
        expect(await cache.flushOutbox()).toEqual({ sent: 1, failed: 0, breakerOpen: false });
        expect(origin.stored.get('/react/wb.json')).toBe('{"v":2}');
        expect((await cache.outboxFigures()).depth).toBe(0);
      } finally {
        await cache.close();
        await origin.close();
      }
    });
  });
}
