import { beforeEach, describe, expect, it } from 'vitest';
import { testClock } from '../support/test-clock.js';
import type { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { openStore } from '../../src/store/open-store.js';
import { copyTemplateDataDir } from '../support/data-dir.js';
import { runTestDoctor, type TestDoctorOptions } from '../support/doctor.js';
import { FaultyDatabase, sqlStateError } from '../support/faulty-database.js';

const STORE_CHECKS = ['schema', 'integrity', 'breakers', 'maintenance', 'last-stress'];

// One clock per test, for the writes and for the doctor that reads them.
let clock: ManualClock;
beforeEach(() => {
  clock = testClock();
});

/** Run the doctor core on the test's clock. */
const doctor = (dataDir: string, options: TestDoctorOptions = {}) =>
  runTestDoctor(dataDir, { clock, ...options });

/**
 * A migrated data directory holding `entries` written now on the test's clock, then broken on
 * purpose by `sql`.
 */
async function storeWith(
  entries: { key: string; value: unknown; ttlMs?: number }[],
  options: { sql?: string } = {},
): Promise<string> {
  const dataDir = copyTemplateDataDir();
  const store = await openStore({ dataDir, clock });
  try {
    if (entries.length > 0) await store.setMany(entries);
    if (options.sql !== undefined)
      await store.execute('write', 'test.break', (db) => db.exec(options.sql ?? ''), {
        exclusive: true,
      });
  } finally {
    await store.close();
  }
  return dataDir;
}

const statuses = (run: { report: { checks: readonly { id: string; status: string }[] } }) =>
  Object.fromEntries(run.report.checks.map((c) => [c.id, c.status]));

describe('doctor: the checks that read the store', () => {
  it('a healthy store passes every store check, with the figures in the details', async () => {
    const dataDir = await storeWith([
      { key: 'component:react:button', value: { name: 'button', code: '<button/>' } },
      { key: 'app:a', value: [1, 2.5, 'é', { z: null, a: true }] },
    ]);
    const run = await doctor(dataDir, { checks: ['open', ...STORE_CHECKS] });
    expect(statuses(run)).toEqual({
      open: 'pass',
      schema: 'pass',
      integrity: 'pass',
      breakers: 'pass',
      maintenance: 'pass',
      'last-stress': 'pass',
    });
    expect(run.check('schema').detail).toBe('schema version 4 of 4, 4 applied');
    expect(run.check('integrity').detail).toMatch(
      /^2 entries, \d+ B; totals by kind match; 2 of 2 sizes recounted; 4 of 4 indexes present$/,
    );
    expect(run.check('breakers').detail).toBe('no breaker state recorded');
    expect(run.check('maintenance').detail).toMatch(/0 expired entries waiting; 0 dead rows;/);
    expect(run.check('last-stress').detail).toBe('no stress run recorded');
  });

  it('schema: checksum drift fails naming the migration; --fix leaves it alone', async () => {
    const dataDir = await storeWith([], {
      sql: `UPDATE pgcache_migrations SET checksum = 'not-the-sum' WHERE version = 1`,
    });
    const run = await doctor(dataDir, { checks: ['schema'], fix: true, migrate: true });
    expect(run.check('schema')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(
        /^migration 1 entries changed after it was applied \(recorded checksum not-the-sum…/,
      ),
      fix: 'Restore the original SQL of migration 1 entries: an applied migration must never be edited.',
    });
    expect(run.check('schema').fixed).toBeUndefined();
  });

  it('schema: a pending migration fails and skips what needs it; only --fix --migrate applies it, once', async () => {
    const dataDir = copyTemplateDataDir();
    const store = await openStore({ dataDir });
    await store.migrateDown(1);
    await store.close();
    const before = await doctor(dataDir, { checks: STORE_CHECKS, fix: true });
    expect(statuses(before)).toEqual({
      schema: 'fail',
      integrity: 'pass',
      breakers: 'skip',
      maintenance: 'skip',
      'last-stress': 'skip',
    });
    expect(before.check('schema')).toMatchObject({
      detail:
        '3 pending migration(s): 2 bookkeeping, 3 outbox, 4 hot-entries — schema version 1 of 4, 1 applied',
      fix: 'Run `pgcache migrate up` (or `pgcache doctor --fix --migrate`).',
    });
    expect(before.check('breakers').detail).toBe(
      'skipped: the schema lacks migration 2 bookkeeping',
    );
    const fixed = await doctor(dataDir, { checks: ['schema'], fix: true, migrate: true });
    expect(fixed.check('schema')).toMatchObject({
      status: 'pass',
      fixed: 'applied migration(s) 2 bookkeeping, 3 outbox, 4 hot-entries',
    });
    const again = await doctor(dataDir, { checks: ['schema'], fix: true, migrate: true });
    expect(again.check('schema')).toMatchObject({ status: 'pass' });
    expect(again.check('schema').fixed).toBeUndefined();
  });

  it('integrity: a dropped index fails; --fix recreates it, and a second --fix has nothing to do', async () => {
    const dataDir = await storeWith([{ key: 'app:a', value: { role: 'admin' } }], {
      sql: 'DROP INDEX pgcache_access_lru; DROP INDEX pgcache_entries_kind;',
    });
    const broken = await doctor(dataDir, { checks: ['integrity'] });
    expect(broken.check('integrity')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(
        /^index pgcache_entries_kind is missing; index pgcache_access_lru is missing — .*2 of 4 indexes present$/,
      ),
      fix: 'Run `pgcache doctor --fix` to create it.',
    });
    const fixed = await doctor(dataDir, { checks: ['integrity'], fix: true });
    expect(fixed.check('integrity')).toMatchObject({
      status: 'pass',
      fixed: 'created index pgcache_entries_kind, pgcache_access_lru',
    });
    const again = await doctor(dataDir, { checks: ['integrity'], fix: true });
    expect(again.check('integrity').status).toBe('pass');
    expect(again.check('integrity').fixed).toBeUndefined();
  });

  it('integrity: an entry of no known kind makes the totals by kind differ, and the facts say so', async () => {
    const dataDir = await storeWith([{ key: 'app:a', value: 1 }], {
      sql: `ALTER TABLE pgcache_entries ALTER COLUMN kind TYPE text;
            UPDATE pgcache_entries SET kind = 'widget' WHERE key = 'app:a';`,
    });
    const run = await doctor(dataDir, { checks: ['integrity'] });
    expect(run.check('integrity')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(
        /^the totals by kind \(0 entries, 0 B\) differ from the table's \(1 entry, 1 B\) — 1 entry, 1 B; totals by kind differ;/,
      ),
    });
  });

  it('integrity: a wrong recorded size, a negative size and a future creation time fail with the keys', async () => {
    const dataDir = await storeWith(
      [
        { key: 'app:a', value: { a: 1, text: 'x'.repeat(40) } },
        { key: 'app:b', value: 'bee' },
        { key: 'app:c', value: 3 },
      ],
      {
        sql: `ALTER TABLE pgcache_entries ALTER COLUMN size_bytes TYPE integer;
              UPDATE pgcache_entries SET size_bytes = size_bytes + 5 WHERE key = 'app:a';
              UPDATE pgcache_entries SET size_bytes = -1 WHERE key = 'app:b';
              UPDATE pgcache_entries SET created_at = now() + interval '2 days' WHERE key = 'app:c';`,
      },
    );
    const run = await doctor(dataDir, { checks: ['integrity'], fix: true });
    const { status, detail, fixed } = run.check('integrity');
    expect({ status, fixed }).toEqual({ status: 'fail', fixed: undefined });
    expect(detail).toContain(
      `2 of 3 recounted entries record a size other than their JSON's (app:a records 62 B, holds 57 B)`,
    );
    expect(detail).toContain('1 entry records a negative size (app:b)');
    expect(detail).toContain('1 entry was created more than 5m in the future (app:c)');
  });

  it('breakers: a breaker opened and persisted by another store warns with when it opened and when it half-opens', async () => {
    const dataDir = copyTemplateDataDir();
    const failing = await openStore({
      dataDir,
      settings: { 'retry.attempts': 1, 'breaker.threshold': 3, 'breaker.halfOpenAfterMs': '5m' },
      wrapDatabase: (db: Database) =>
        new FaultyDatabase(db).failNext(
          /pgcache_entries/,
          3,
          sqlStateError('08006', 'connection failure'),
        ),
    });
    for (let i = 0; i < 3; i += 1) await failing.get('a:1').catch(() => undefined);
    await failing.close();
    const run = await runTestDoctor(dataDir, { checks: ['breakers'] });
    expect(run.check('breakers')).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(
        /^breaker store is OPEN after 3 consecutive failures since \S+ \((now|.* ago)\); it lets a trial call through at \S+ \(in (4m\d+s|5m)\) — store open \(3 consecutive failures recorded\)$/,
      ),
      fix: expect.stringContaining('the breaker closes after a successful trial call'),
    });
  });

  it('maintenance: over the max size fails; a backlog of expired entries warns and --fix purges it, once', async () => {
    const dataDir = await storeWith([
      { key: 'old:1', value: 'x'.repeat(100), ttlMs: 1000 },
      { key: 'old:2', value: 'x'.repeat(100), ttlMs: 1000 },
      { key: 'old:3', value: 'x'.repeat(100), ttlMs: 1000 },
      { key: 'app:live', value: 'x'.repeat(60), ttlMs: 0 },
    ]);
    clock.advance(3_600_000);
    const over = await doctor(dataDir, {
      checks: ['maintenance'],
      settings: { maxSizeBytes: 200 },
      thresholds: { expiredEntries: 2 },
    });
    expect(over.check('maintenance')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(
        /^the store holds 368 B, above its max size 200 B \(184%\); 3 expired entries \(306 B\) wait to be purged — /,
      ),
      fix: expect.stringMatching(
        /^Run `pgcache maintain` .* Or raise maxSizeBytes .* Run `pgcache doctor --fix` or `pgcache maintain` to purge them\.$/,
      ),
    });
    const fixed = await doctor(dataDir, {
      checks: ['maintenance'],
      settings: { maxSizeBytes: 200 },
      thresholds: { expiredEntries: 2 },
      fix: true,
    });
    expect(fixed.check('maintenance')).toMatchObject({
      status: 'pass',
      fixed: 'purged 3 expired entries (306 B)',
    });
    const again = await doctor(dataDir, { checks: ['maintenance'], fix: true });
    expect(again.check('maintenance').fixed).toBeUndefined();
  });

  it('maintenance: dead rows, a long WAL and an old last maintenance warn with the cron line; maintain clears the dead rows', async () => {
    const dataDir = await storeWith(
      Array.from({ length: 30 }, (_, i) => ({ key: `app:${i}`, value: i })),
      { sql: `UPDATE pgcache_entries SET updated_at = updated_at + interval '1 ms'` },
    );
    const thresholds = { deadRows: 10, walBytes: 1024, maintenanceAgeMs: 1 };
    clock.advance(1000);
    const run = await doctor(dataDir, { checks: ['maintenance'], thresholds });
    const { status, detail, fix } = run.check('maintenance');
    expect(status).toBe('warn');
    expect(detail).toMatch(
      /^30 dead rows in the entries table \(30 live rows\); PGlite never vacuums by itself; the WAL takes .* PGlite never checkpoints by itself; maintenance never ran more than 1ms ago — /,
    );
    expect(fix).toContain(
      `Schedule it with cron: \`*/15 * * * * cd /srv/app && npx pgcache maintain --quiet --data-dir ${dataDir}\`.`,
    );
    const store = await openStore({ dataDir, clock });
    await store.maintain();
    await store.close();
    const after = await doctor(dataDir, {
      checks: ['maintenance'],
      thresholds: { deadRows: 10 },
    });
    expect(after.check('maintenance')).toMatchObject({
      status: 'pass',
      detail: expect.stringMatching(/0 dead rows; .*; last maintenance now$/),
    });
  });

  it('last-stress: a recorded run that passed passes, one that failed warns (none recorded: above)', async () => {
    const dataDir = copyTemplateDataDir();
    const record = async (doc: unknown) => {
      const store = await openStore({ dataDir, clock });
      await store.writeMeta('last-stress', doc);
      await store.close();
      return (await doctor(dataDir, { checks: ['last-stress'] })).check('last-stress');
    };
    const at = new Date(clock.now()).toISOString();
    expect(await record({ verdict: 'passed', finishedAt: at })).toMatchObject({
      status: 'pass',
      detail: expect.stringMatching(/^the last stress run passed .* \(\S+\)$/),
    });
    expect(await record({ verdict: 'failed', finishedAt: at })).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(/^the last stress run failed /),
      fix: 'Run `pgcache stress` again and look at the targets it misses.',
    });
  });
});
