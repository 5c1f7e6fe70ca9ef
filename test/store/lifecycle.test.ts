import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openHandleCount } from '../../src/db/handle-registry.js';
import { openStore } from '../../src/store/open-store.js';
import { openTieredCache } from '../../src/tiers/open-tiered-cache.js';
import { copyTemplateDataDir, emptyDir } from '../support/data-dir.js';
import { openTestStore } from '../support/open-test-store.js';
import { testClock } from '../support/test-clock.js';

const resources = (): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
};

/** Resources open now that were not open at `baseline` (by type and count). */
const leaked = (baseline: Map<string, number>): string[] =>
  [...resources()]
    .filter(([type, n]) => n > (baseline.get(type) ?? 0))
    .map(([type, n]) => `${type} ×${n - (baseline.get(type) ?? 0)}`);

describe('store lifecycle', () => {
  it('rejects every call after close with E_CLOSED, and close twice is harmless', async () => {
    const { store } = await openTestStore();
    await store.set('a:1', 1);
    await Promise.all([store.close(), store.close()]);
    await store.close();
    for (const call of [
      () => store.get('a:1'),
      () => store.set('a:1', 2),
      () => store.delete(['a:1']),
      () => store.list(),
      () => store.stats(),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: 'E_CLOSED' });
    }
  });

  it('opening and closing a store three times leaves the connection count and active resources where they started', async () => {
    // One directory, opened and closed three times in a row: each close must also release the lock
    // (a handle or resource left by any round shows in the counts).
    const dataDir = copyTemplateDataDir();
    const handlesBefore = openHandleCount();
    const resourcesBefore = resources();
    for (let i = 0; i < 3; i += 1) {
      const store = await openStore({ dataDir });
      expect(openHandleCount()).toBe(handlesBefore + 1);
      await store.set(`lifecycle:${i}`, { round: i });
      await store.get(`lifecycle:${i}`);
      await store.close();
    }
    expect(openHandleCount()).toBe(handlesBefore);
    expect(leaked(resourcesBefore)).toEqual([]);
  }, 120_000);

  it('a second open in one process is a handle on the same store; the last close() closes it', async () => {
    const { store, dataDir, clock } = await openTestStore();
    const handles = openHandleCount();
    const [second, third] = await Promise.all([
      openStore({ dataDir, clock }),
      openStore({ dataDir, clock }),
    ]);
    expect(openHandleCount()).toBe(handles);
    await store.set('shared:1', 'one');
    expect((await second.get('shared:1'))?.value).toBe('one');

    await second.close();
    await second.close();
    await expect(second.get('shared:1')).rejects.toMatchObject({
      code: 'E_CLOSED',
      message: 'get on a closed store handle',
    });
    expect(second.closed).toBe(true);
    expect((await third.get('shared:1'))?.value).toBe('one');
    await store.close();
    expect((await third.get('shared:1'))?.value).toBe('one');
    expect(openHandleCount()).toBe(handles);
    await third.close();
    expect(openHandleCount()).toBe(handles - 1);

    const again = await openStore({ dataDir, clock });
    expect((await again.get('shared:1'))?.value).toBe('one');
    await again.close();
  });

  it('openTieredCache on a location takes a handle of its own, closed with the cache', async () => {
    const { store, dataDir, clock } = await openTestStore();
    const cache = await openTieredCache({ dataDir, clock }, { clock });
    await cache.set('tiered:1', { n: 1 });
    expect((await store.get('tiered:1'))?.value).toEqual({ n: 1 });
    await cache.close();
    expect((await store.get('tiered:1'))?.value).toEqual({ n: 1 });
    await store.close();
    expect(store.closed).toBe(true);
  });

  it('refuses to share an open store with other settings, and a wrapped database its own', async () => {
    const { store, dataDir, clock } = await openTestStore();
    await expect(
      openStore({ dataDir, clock, settings: { maxEntryBytes: 10 } }),
    ).rejects.toMatchObject({
      code: 'E_STORE_LOCKED',
      message: expect.stringContaining('already open in this process'),
    });
    await expect(openStore({ dataDir, clock, wrapDatabase: (db) => db })).rejects.toMatchObject({
      code: 'E_STORE_LOCKED',
      message: expect.stringContaining('already open in this process'),
    });
    // An open without the schema check is not one a checking open may join.
    await expect(openStore({ dataDir, clock, migrations: 'skip' })).rejects.toMatchObject({
      code: 'E_STORE_LOCKED',
    });
    await store.close();
  });

  it('shares a store made through a symlinked path with an open by its real path', async () => {
    const real = emptyDir();
    const link = join(emptyDir(), 'link');
    symlinkSync(real, link);
    const clock = testClock();
    const first = await openStore({ dataDir: join(link, 'new'), clock });
    const second = await openStore({ dataDir: join(real, 'new'), clock });
    await first.set('linked:1', 1);
    expect((await second.get('linked:1'))?.value).toBe(1);
    // Other settings through the other spelling: refused, never a second instance on the files.
    await expect(
      openStore({ dataDir: join(real, 'new'), clock, settings: { maxEntryBytes: 10 } }),
    ).rejects.toMatchObject({ code: 'E_STORE_LOCKED' });
    await first.close();
    expect(second.closed).toBe(false);
    await second.close();
  });

  it('writes buffered reads on close, so the next process sees them', async () => {
    const { store, dataDir, clock } = await openTestStore();
    await store.set('a:1', 1);
    await store.get('a:1');
    await store.get('a:nope');
    await store.close();
    // The same clock as the writes: with the real one the entry would have expired by now.
    const reopened = await openStore({ dataDir, clock });
    const stats = await reopened.stats();
    expect([stats.hits, stats.misses]).toEqual([1, 1]);
    expect((await reopened.list())[0]?.accessCount).toBe(1);
    await reopened.close();
  });
});
