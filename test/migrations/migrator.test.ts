import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { openEmbeddedDatabase, type EmbeddedDatabase } from '../../src/db/embedded-database.js';
import {
  MIGRATIONS,
  assertSchemaCurrent,
  migrateDown,
  migrateUp,
  migrationChecksum,
  readMigrationStatus,
  type Migration,
} from '../../src/migrations/index.js';
import { copyTemplateDataDir } from '../support/data-dir.js';

const clock = new ManualClock(Date.UTC(2026, 10, 22));
const LATEST = MIGRATIONS.length;
/** Every shipped version after the first. */
const ABOVE_1 = MIGRATIONS.map((m) => m.version).filter((v) => v > 1);

describe('migrations', () => {
  let db: EmbeddedDatabase;
  beforeAll(async () => {
    db = await openEmbeddedDatabase({ pgDataDir: join(copyTemplateDataDir(), 'pgdata') });
  });
  afterAll(async () => {
    await db.close();
  });

  it('reports every shipped migration applied with its checksum on a migrated store', async () => {
    const status = await readMigrationStatus(db, MIGRATIONS);
    expect(status.applied.map((a) => [a.version, a.name, a.checksum])).toEqual(
      MIGRATIONS.map((m) => [m.version, m.name, migrationChecksum(m)]),
    );
    expect(status).toMatchObject({
      pending: [],
      drifted: [],
      unknown: [],
      current: LATEST,
      latest: LATEST,
    });
    expect(() => assertSchemaCurrent(status)).not.toThrow();
  });

  it('goes down and up again, one transaction each, and refuses commands while pending', async () => {
    const undone = await migrateDown(db, { migrations: MIGRATIONS, clock, to: 1 });
    expect(undone.map((m) => m.version)).toEqual(ABOVE_1.toReversed());
    const { rows } = await db.query(`SELECT to_regclass('pgcache_meta') AS t`);
    expect(rows).toEqual([{ t: null }]);
    const pending = await readMigrationStatus(db, MIGRATIONS);
    expect(pending.pending.map((p) => p.version)).toEqual(ABOVE_1);
    expect(() => assertSchemaCurrent(pending)).toThrow(
      expect.objectContaining({
        code: 'E_MIGRATIONS_PENDING',
        exitCode: 78,
        hint: 'Run `pgcache migrate up` (or `pgcache init`).',
      }),
    );
    const applied = await migrateUp(db, { migrations: MIGRATIONS, clock });
    expect(applied.map((m) => m.version)).toEqual(ABOVE_1);
    expect(await migrateUp(db, { migrations: MIGRATIONS, clock })).toEqual([]);
  });

  it('stops at the first failing migration and rolls it back entirely', async () => {
    const broken: Migration[] = [
      ...MIGRATIONS,
      { version: LATEST + 1, name: 'good', up: 'CREATE TABLE t3 (x int);', down: 'DROP TABLE t3;' },
      {
        version: LATEST + 2,
        name: 'bad',
        up: 'CREATE TABLE t4 (x int); SELECT * FROM missing_table;',
        down: 'DROP TABLE t4;',
      },
      {
        version: LATEST + 3,
        name: 'never',
        up: 'CREATE TABLE t5 (x int);',
        down: 'DROP TABLE t5;',
      },
    ];
    await expect(migrateUp(db, { migrations: broken, clock })).rejects.toMatchObject({
      code: 'E_MIGRATION_FAILED',
      exitCode: 78,
      message: expect.stringContaining(
        `migration ${LATEST + 2} bad (up) failed and was rolled back`,
      ),
    });
    const { rows } = await db.query(
      `SELECT to_regclass('t3') IS NOT NULL AS t3, to_regclass('t4') IS NOT NULL AS t4, to_regclass('t5') IS NOT NULL AS t5`,
    );
    expect(rows).toEqual([{ t3: true, t4: false, t5: false }]);
    const status = await readMigrationStatus(db, broken);
    expect(status.pending.map((p) => p.version)).toEqual([LATEST + 2, LATEST + 3]);
    await migrateDown(db, { migrations: broken, clock, to: LATEST });
  });

  it('detects a migration whose SQL changed after it ran, and refuses to run', async () => {
    const edited = MIGRATIONS.map((m) =>
      m.version === 1 ? { ...m, down: `${m.down} -- edited` } : m,
    );
    const status = await readMigrationStatus(db, edited);
    expect(status.drifted).toEqual([expect.objectContaining({ version: 1, name: 'entries' })]);
    expect(() => assertSchemaCurrent(status)).toThrow(
      expect.objectContaining({
        code: 'E_MIGRATION_DRIFT',
        exitCode: 78,
        message: expect.stringContaining('migration 1 entries changed'),
      }),
    );
    await expect(migrateUp(db, { migrations: edited, clock })).rejects.toMatchObject({
      code: 'E_MIGRATION_DRIFT',
    });
  });

  it('refuses a store migrated by a newer pgcache', async () => {
    const older = MIGRATIONS.slice(0, 1);
    const status = await readMigrationStatus(db, older);
    expect(status.unknown.map((u) => u.version)).toEqual(ABOVE_1);
    expect(() => assertSchemaCurrent(status)).toThrow(
      expect.objectContaining({ code: 'E_SCHEMA_TOO_NEW', exitCode: 78 }),
    );
  });
});
