import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openEmbeddedDatabase } from '../../src/db/embedded-database.js';
import { copyTemplateDataDir, emptyDir } from '../support/data-dir.js';
import { runCli } from '../support/cli.js';

describe('init and migrate', () => {
  it('init creates the directory with mode 0700, applies every migration, and a second run changes nothing', async () => {
    const dataDir = join(emptyDir(), 'store');
    const first = await runCli(['init', '--data-dir', dataDir, '--json']);
    expect(first.exitCode).toBe(0);
    expect(first.json()).toMatchObject({
      dataDir,
      applied: [
        { version: 1, name: 'entries' },
        { version: 2, name: 'bookkeeping' },
        { version: 3, name: 'outbox' },
        { version: 4, name: 'hot-entries' },
      ],
      schema: { version: 4 },
    });
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    const second = await runCli(['init', '--data-dir', dataDir]);
    expect(second).toMatchObject({
      exitCode: 0,
      stdout: `${dataDir} is up to date (schema version 4); nothing to do\n`,
    });
  }, 60_000);

  it('migrate status is read-only: with no store it reports everything pending and creates nothing', async () => {
    const parent = emptyDir();
    const dataDir = join(parent, 'none');
    const status = await runCli(['migrate', 'status', '--data-dir', dataDir, '--json', '--check']);
    expect(status.exitCode).toBe(1);
    expect(status.json()).toMatchObject({
      applied: [],
      pending: [{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }],
      drifted: [],
    });
    expect(() => statSync(dataDir)).toThrow();
  });

  it('migrate down, then every other command refuses with 78 until migrate up', async () => {
    const dataDir = copyTemplateDataDir();
    const down = await runCli(['migrate', 'down', '--to', '1', '--data-dir', dataDir]);
    expect(down).toMatchObject({
      exitCode: 0,
      stdout: 'undid 4 hot-entries\nundid 3 outbox\nundid 2 bookkeeping\n',
    });
    const get = await runCli(['get', 'a:1', '--data-dir', dataDir, '--json']);
    expect(get.exitCode).toBe(78);
    expect(get.error()).toMatchObject({
      code: 'E_MIGRATIONS_PENDING',
      hint: 'Run `pgcache migrate up` (or `pgcache init`).',
    });
    const check = await runCli(['migrate', 'status', '--check', '--data-dir', dataDir]);
    expect(check.exitCode).toBe(1);
    expect(check.stdout).toContain('schema version 1 of 4: 3 pending, 0 drifted');
    expect((await runCli(['migrate', 'up', '--data-dir', dataDir])).stdout).toBe(
      'applied 2 bookkeeping\napplied 3 outbox\napplied 4 hot-entries\n',
    );
    expect((await runCli(['migrate', 'status', '--check', '--data-dir', dataDir])).exitCode).toBe(
      0,
    );
    expect((await runCli(['get', 'a:1', '--data-dir', dataDir])).exitCode).toBe(1);
  });

  it('a changed checksum refuses to run with 78 and names the migration', async () => {
    const dataDir = copyTemplateDataDir();
    const db = await openEmbeddedDatabase({ pgDataDir: join(dataDir, 'pgdata') });
    await db.query(`UPDATE pgcache_migrations SET checksum = 'tampered' WHERE version = 1`);
    await db.close();
    const get = await runCli(['get', 'a:1', '--data-dir', dataDir, '--json']);
    expect(get.exitCode).toBe(78);
    expect(get.error()).toMatchObject({
      code: 'E_MIGRATION_DRIFT',
      message: expect.stringContaining('migration 1 entries changed after it was applied'),
    });
    const status = await runCli(['migrate', 'status', '--data-dir', dataDir, '--check', '--json']);
    expect(status.exitCode).toBe(1);
    expect(status.json()).toMatchObject({
      drifted: [{ version: 1, name: 'entries', recorded: 'tampered' }],
    });
    expect((await runCli(['migrate', 'up', '--data-dir', dataDir])).exitCode).toBe(78);
  });

  it('commands on a directory with no store exit 78 and say to run init', async () => {
    const run = await runCli(['stats', '--data-dir', join(emptyDir(), 'missing')]);
    expect(run.exitCode).toBe(78);
    expect(run.stderr).toMatch(
      /\[E_NOT_INITIALISED\] there is no store in .*\nhint: Run `pgcache init`/,
    );
  });

  it('init on a path that cannot be a directory exits 69 (store unavailable)', async () => {
    const file = join(emptyDir(), 'a-file');
    writeFileSync(file, 'x');
    const run = await runCli(['init', '--data-dir', join(file, 'store')]);
    expect(run.exitCode).toBe(69);
    expect(run.stderr).toContain('[E_STORE_UNAVAILABLE] cannot create the data directory');
  });
});
