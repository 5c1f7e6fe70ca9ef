import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { openTieredCache } from '../../src/tiers/open-tiered-cache.js';
import type { Database } from '../../src/db/database.js';
import { copyTemplateDataDir } from '../support/data-dir.js';
import { FaultyDatabase, sqlStateError } from '../support/faulty-database.js';
import { TestOrigin } from '../support/test-origin.js';

const WRITER = join(import.meta.dirname, '../support/bin/write-behind-writer.mjs');

describe('the write-behind outbox', () => {
  let origin: TestOrigin;
  beforeAll(async () => {
    origin = await TestOrigin.start();
  });
  afterAll(async () => {
    await origin.close();
  });

  it('loses nothing acknowledged: every acknowledged write reaches the origin after a restart', async () => {
    const dataDir = copyTemplateDataDir();
    const writer = execa('node', [WRITER, dataDir, origin.template], { reject: false });
    const acked: string[] = [];
    let pending = '';
    await new Promise<void>((resolve) => {
      writer.stdout?.on('data', (chunk: Buffer) => {
        const lines = (pending + chunk.toString()).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) acked.push(line.replace(/^ack /, ''));
        if (acked.length >= 25) resolve();
      });
    });
    writer.kill('SIGKILL');
    const killed = await writer;
    expect(killed.signal).toBe('SIGKILL');
    expect(origin.count()).toBe(0);

    const warnings: string[] = [];
    const store = await openStore({ dataDir, onWarning: (m) => warnings.push(m) });
    const cache = await openTieredCache(store, {
      settings: { 'origin.url': origin.template, strategy: 'write-behind' },
    });
    try {
      expect(warnings).toEqual([expect.stringMatching(/cleared a stale lock/)]);
      const before = await cache.outboxFigures();
      expect(before.keys).toBeGreaterThanOrEqual(acked.length);
      const report = await cache.flushOutbox();
      expect(report).toMatchObject({ sent: before.keys, failed: 0 });
      for (const key of acked) {
        const i = Number(key.replace('component:crash:k', ''));
        expect(origin.stored.get(`/crash/k${i}.json`)).toBe(JSON.stringify({ i }));
        expect((await store.get(key))?.value).toEqual({ i });
      }
      expect((await cache.outboxFigures()).depth).toBe(0);
    } finally {
      await cache.close();
      await store.close();
    }
  }, 90_000);

  it('is written in the same transaction as the entry: when either fails, neither is kept', async () => {
    let faults: FaultyDatabase | undefined;
    const store = await openStore({
      dataDir: copyTemplateDataDir(),
      wrapDatabase: (db: Database) => (faults = new FaultyDatabase(db)),
    });
    const cache = await openTieredCache(store, {
      settings: { 'origin.url': origin.template, strategy: 'write-behind' },
    });
    try {
      faults?.failNext(/INSERT INTO pgcache_outbox/, 1, sqlStateError('23514', 'check violation'));
      await expect(cache.set('component:tx:a', 1)).rejects.toMatchObject({ code: 'E_DATABASE' });
      faults?.failNext(/INSERT INTO pgcache_entries/, 1, sqlStateError('23514', 'check violation'));
      await expect(cache.set('component:tx:b', 2)).rejects.toMatchObject({ code: 'E_DATABASE' });
      expect(await store.list({ prefix: 'component:tx:' })).toEqual([]);
      expect((await cache.outboxFigures()).depth).toBe(0);
    } finally {
      await cache.close();
      await store.close();
    }
  });
});
