import { afterEach, describe, expect, it } from 'vitest';
import { readNamespaceReport } from '../../src/namespaces/namespace-report.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { openTestStore } from '../support/open-test-store.js';

// Values of exactly 100 bytes: a 98-character string plus its quotes.
const hundred = (c: string): string => c.padEnd(98, '.');

describe('namespace quotas', () => {
  const opened: Store[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  it('refuses a write that would take a namespace over its quota (75), and writes nothing', async () => {
    const { store, clock } = await openTestStore({
      namespaces: {
        'user-1': { maxEntries: 3, maxBytes: 1000 },
        '*': { maxBytes: 250 },
      },
    });
    opened.push(store);
    for (const k of ['a', 'b', 'c']) await store.set(`user-1:${k}`, hundred(k));
    await store.set('user-1:a', hundred('A')); // replacing a key is not one more entry
    await expect(store.set('user-1:d', 1)).rejects.toMatchObject({
      code: 'E_QUOTA_EXCEEDED',
      exitCode: 75,
      message: 'namespace user-1 would hold 4 entries (quota 3); nothing was written',
    });
    // The default applies to each other namespace on its own.
    await store.set('user-2:a', hundred('a'));
    await store.set('user-3:a', hundred('a'));
    await expect(
      store.setMany([
        { key: 'user-2:b', value: hundred('b') },
        { key: 'user-2:c', value: hundred('c') },
      ]),
    ).rejects.toMatchObject({
      code: 'E_QUOTA_EXCEEDED',
      message: expect.stringMatching(/user-2 would hold 300 B \(quota 250 B\)/),
    });
    expect((await store.list({ prefix: 'user-2:' })).map((e) => e.key)).toEqual(['user-2:a']);
    // Expired entries do not count.
    await store.set('user-3:b', hundred('b'), { ttlMs: 1000 });
    clock.advance(1000);
    await store.set('user-3:c', hundred('c'));
    expect(
      await readNamespaceReport(store, { 'user-1': { maxEntries: 3 } }, new Date(clock.now())),
    ).toEqual([
      {
        namespace: 'user-1',
        entries: 3,
        bytes: 300,
        policy: { maxEntries: 3 },
        used: { entries: 100, bytes: null },
      },
    ]);
  });

  it('counts a key written twice in one batch once, at the size of its last write', async () => {
    const { store } = await openTestStore({ namespaces: { '*': { maxBytes: 250 } } });
    opened.push(store);
    await store.setMany([
      { key: 'user-4:a', value: hundred('x') },
      { key: 'user-4:a', value: hundred('y') },
      { key: 'user-4:b', value: hundred('b') },
    ]);
    expect((await store.get('user-4:a'))?.value).toBe(hundred('y'));
  });

  it('maintain evicts least-recently-used entries inside a namespace over its quota first', async () => {
    const { store, clock, dataDir } = await openTestStore();
    for (let i = 0; i < 10; i += 1) {
      await store.set(`team:${i}`, hundred(String(i)));
      await store.set(`other:${i}`, hundred(String(i)));
      clock.advance(1000);
    }
    await store.get('team:0');
    await store.close();
    // The quota was lowered: maintain brings the namespace down to 90% of it, others untouched.
    const reopened = await openStore({
      dataDir,
      clock,
      settings: { namespaces: { team: { maxEntries: 5 } }, lowWaterPercent: 90 },
    });
    opened.push(reopened);
    const dry = await reopened.maintain({ dryRun: true });
    expect(dry.namespaces).toEqual([{ namespace: 'team', entries: 6, bytes: 600 }]);
    const report = await reopened.maintain();
    expect(report).toMatchObject({
      namespaces: [{ namespace: 'team', entries: 6, bytes: 600 }],
      evicted: 0,
      bytesFreed: 600,
    });
    expect((await reopened.list({ namespace: 'team' })).map((e) => e.key)).toEqual([
      'team:0',
      'team:7',
      'team:8',
      'team:9',
    ]);
    expect(await reopened.list({ namespace: 'other' })).toHaveLength(10);
  });
});
