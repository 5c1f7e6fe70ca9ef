import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { runCli } from '../support/cli.js';
import { copyTemplateDataDir } from '../support/data-dir.js';
import { FaultyDatabase, sqlStateError } from '../support/faulty-database.js';

describe('the store on the resilience path', () => {
  const opened: Store[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  const open = async (
    dataDir: string,
    settings: Record<string, string | number>,
    faulty?: (db: Database) => FaultyDatabase,
  ) => {
    let wrapped: FaultyDatabase | undefined;
    const store = await openStore({
      dataDir,
      settings,
      clock: new ManualClock(Date.now()),
      ...(faulty === undefined ? {} : { wrapDatabase: (db: Database) => (wrapped = faulty(db)) }),
    });
    opened.push(store);
    return { store, faults: wrapped };
  };

  it('a batch whose second write fails leaves neither entry behind', async () => {
    const { store } = await open(copyTemplateDataDir(), {}, (db) =>
      new FaultyDatabase(db).failNext(
        /INSERT INTO pgcache_entries/,
        1,
        sqlStateError('23514', 'check violation'),
        1,
      ),
    );
    await expect(
      store.setMany([
        { key: 'batch:first', value: 1 },
        { key: 'batch:second', value: 2 },
      ]),
    ).rejects.toMatchObject({ code: 'E_DATABASE', sqlState: '23514' });
    expect(await store.list({ prefix: 'batch:' })).toEqual([]);
  });

  it('a batch hit by a transient failure is retried as a whole: both entries, once each', async () => {
    const { store, faults } = await open(copyTemplateDataDir(), { 'retry.baseDelayMs': 0 }, (db) =>
      new FaultyDatabase(db).failNext(
        /INSERT INTO pgcache_entries/,
        1,
        sqlStateError('40001', 'could not serialize access'),
        1,
      ),
    );
    await store.setMany([
      { key: 'batch:first', value: 1 },
      { key: 'batch:second', value: 2 },
    ]);
    expect((await store.list({ prefix: 'batch:' })).map((e) => e.key)).toEqual([
      'batch:first',
      'batch:second',
    ]);
    expect(faults?.failed).toBe(1);
    expect((await store.stats()).retries.retried).toBe(1);
  });

  it('opens the breaker after the threshold, fails fast with E_CIRCUIT_OPEN, and another process sees it', async () => {
    const dataDir = copyTemplateDataDir();
    const { store } = await open(
      dataDir,
      { 'retry.attempts': 1, 'breaker.threshold': 3, 'breaker.halfOpenAfterMs': '5m' },
      (db) =>
        new FaultyDatabase(db).failNext(
          /pgcache_entries/,
          3,
          sqlStateError('08006', 'connection failure'),
        ),
    );
    for (let i = 0; i < 3; i += 1) {
      await expect(store.get('a:1')).rejects.toMatchObject({ code: 'E_DATABASE_BUSY' });
    }
    await expect(store.get('a:1')).rejects.toMatchObject({
      code: 'E_CIRCUIT_OPEN',
      exitCode: 69,
      // cockatiel times the open period with the real Date.now(), which runs on while the store opens.
      message: expect.stringMatching(/lets a trial call through at .* \(in 5m(\d+s)?\)/),
    });
    await store.close();

    const stats = await runCli(['stats', '--json', '--data-dir', dataDir]);
    expect(stats.exitCode).toBe(0);
    expect(stats.json<{ breakers: unknown[] }>().breakers).toEqual([
      {
        name: 'store',
        state: 'open',
        failures: 3,
        openedAt: expect.any(String),
        halfOpenAt: expect.any(String),
      },
    ]);
    const get = await runCli(['get', 'a:1', '--data-dir', dataDir, '--json']);
    expect(get.exitCode).toBe(69);
    expect(get.error()).toMatchObject({ code: 'E_CIRCUIT_OPEN' });

    const { store: second } = await open(dataDir, { 'breaker.halfOpenAfterMs': '5m' });
    await expect(second.get('a:1')).rejects.toMatchObject({ code: 'E_CIRCUIT_OPEN' });
    expect((await second.stats()).breakers).toEqual([
      expect.objectContaining({ name: 'store', state: 'open' }),
    ]);
  });
});
