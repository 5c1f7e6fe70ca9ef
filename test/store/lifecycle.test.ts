import { describe, expect, it } from 'vitest';
import { openHandleCount } from '../../src/db/handle-registry.js';
import { openStore } from '../../src/store/open-store.js';
import { copyTemplateDataDir } from '../support/data-dir.js';
import { openTestStore } from '../support/open-test-store.js';

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

  it('refuses a second store on the same directory in one process', async () => {
    const { store, dataDir } = await openTestStore();
    await expect(openStore({ dataDir })).rejects.toMatchObject({
      code: 'E_STORE_LOCKED',
      message: expect.stringContaining('already open in this process'),
    });
    await store.close();
    const again = await openStore({ dataDir });
    await again.close();
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
