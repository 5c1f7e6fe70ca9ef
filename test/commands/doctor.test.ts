import { writeFileSync } from 'node:fs';
import { testClock } from '../support/test-clock.js';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCK_FILE_NAME } from '../../src/db/data-dir-lock.js';
import { openStore } from '../../src/store/open-store.js';
import { runCli } from '../support/cli.js';
import { copyTemplateDataDir, emptyDir } from '../support/data-dir.js';

const IDS = [
  'runtime',
  'config',
  'data-dir',
  'lock',
  'open',
  'schema',
  'integrity',
  'breakers',
  'maintenance',
  'last-stress',
  'connections',
];

interface DoctorJson {
  schemaVersion: number;
  checks: { id: string; status: string; detail: string; fix: string; fixed?: string }[];
  summary: { pass: number; warn: number; fail: number; skip: number; fixed: number };
}

describe('pgcache doctor', () => {
  it('a healthy store: every check passes, one line each in order, exit 0', async () => {
    const dataDir = copyTemplateDataDir();
    const run = await runCli(['doctor', '--data-dir', dataDir]);
    expect(run).toMatchObject({ exitCode: 0, stderr: '' });
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.slice(0, IDS.length).map((l) => l.slice(0, 15).trimEnd())).toEqual(
      IDS.map((id) => `✓ ${id}`),
    );
    expect(lines.at(-1)).toMatch(
      /^11 checks in [\d.]+m?s: 11 passed, 0 warnings, 0 failed — healthy$/,
    );
  });

  it('--json: one document with every selected check and the summary', async () => {
    const dataDir = copyTemplateDataDir();
    const run = await runCli([
      'doctor',
      'lock',
      'runtime',
      'open',
      '--json',
      '--data-dir',
      dataDir,
    ]);
    expect(run.exitCode).toBe(0);
    const doc = run.json<DoctorJson>();
    expect(doc).toEqual({
      schemaVersion: 1,
      checks: [
        expect.objectContaining({
          id: 'runtime',
          status: 'pass',
          detail: expect.any(String),
          fix: '',
        }),
        expect.objectContaining({ id: 'lock', status: 'pass', fix: '' }),
        expect.objectContaining({
          id: 'open',
          status: 'pass',
          data: { openMs: expect.any(Number) },
        }),
      ],
      summary: { pass: 3, warn: 0, fail: 0, skip: 0, fixed: 0 },
      durationMs: expect.any(Number),
    });
  });

  it('--list names every check (also as JSON); an unknown check or --migrate without --fix is a usage error', async () => {
    const list = await runCli(['doctor', '--list']);
    expect(list.exitCode).toBe(0);
    expect(
      list.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.split(' ')[0]),
    ).toEqual(IDS);
    expect(list.stdout).toContain('lock         ownership lock');
    const json = (await runCli(['doctor', '--list', '--json'])).json<{
      checks: { id: string; fixes: string | null }[];
    }>();
    expect(json.checks.map((c) => c.id)).toEqual(IDS);
    expect(json.checks.find((c) => c.id === 'integrity')?.fixes).toBe(
      'creates missing indexes of the entries table',
    );

    const unknown = await runCli(['doctor', 'lock', 'nope', '--json']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.error()).toMatchObject({ code: 'E_USAGE', message: 'unknown check "nope"' });
    expect((await runCli(['doctor', '--migrate'])).exitCode).toBe(2);
  });

  it('a configuration that does not load is the config check failing (exit 1, not 78)', async () => {
    const cwd = emptyDir();
    writeFileSync(join(cwd, 'pgcache.config.json'), '{"maxSizeBytes": "lots"}');
    const run = await runCli(['doctor', 'config', 'data-dir', 'open'], { cwd });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(
      /^✗ config +maxSizeBytes from .*pgcache.config.json: "lots" is not a size; use bytes or a unit: 512KB, 100MB, 1GiB\n +fix: Set maxSizeBytes to a valid value \(logical size maintain evicts down from\)\.\n- data-dir +skipped: the configuration does not load\n/,
    );
  });

  it('never prints a secret, on a line or in --json: serve.token, origin.headers values, URL passwords, a malformed token', async () => {
    const cwd = emptyDir();
    const config = join(cwd, 'pgcache.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        serve: { token: 'file-tok-1' },
        origin: {
          url: 'https://ann:origin-pw-2@api.example/{name}.json',
          headers: { authorization: 'Bearer header-3', 'x-key': '${API_KEY}' },
        },
      }),
    );
    const env = {
      PGCACHE_TOKEN: 'env-tok-4',
      PGCACHE_DATABASE_URL: 'postgres://app:db-pw-5@db:5432/cache',
    };
    const secrets = /file-tok-1|origin-pw-2|header-3|env-tok-4|db-pw-5/;
    const text = await runCli(['doctor', 'config'], { cwd, env });
    expect(text.stdout).toContain('serve.token=*** (PGCACHE_TOKEN)');
    expect(text.stdout).toContain('origin.url=https://ann:***@api.example/{name}.json');
    expect(text.stdout).toContain(
      'origin.headers={"authorization":"***","x-key":"*** (from ${API_KEY})"}',
    );
    const json = await runCli(['doctor', 'config', '--json'], { cwd, env });
    const settings = json.json<{ checks: { data: { settings: { key: string }[] } }[] }>().checks[0]
      ?.data.settings;
    expect(settings?.find((s) => s.key === 'serve.token')).toMatchObject({ value: '***' });
    for (const run of [text, json]) expect(run.stdout).not.toMatch(secrets);

    writeFileSync(config, JSON.stringify({ serve: { token: ['file-tok-1'] } }));
    const malformed = await runCli(['doctor', 'config', '--json'], { cwd });
    expect(malformed.exitCode).toBe(1);
    expect(malformed.stdout).toContain('serve.token from');
    expect(malformed.stdout).not.toMatch(secrets);
  });

  it('--strict turns a warning (a persisted open breaker) into exit 1', async () => {
    const dataDir = copyTemplateDataDir();
    const store = await openStore({ dataDir });
    const now = Date.now();
    await store.writeMeta('breaker:store', {
      version: 1,
      name: 'store',
      state: 'open',
      failures: 5,
      openedAt: new Date(now - 10_000).toISOString(),
      halfOpenAt: new Date(now + 20_000).toISOString(),
      cockatiel: null,
    });
    await store.close();
    const lenient = await runCli(['doctor', 'breakers', '--data-dir', dataDir]);
    expect(lenient.exitCode).toBe(0);
    expect(lenient.stdout).toMatch(
      /^! breakers +breaker store is OPEN after 5 consecutive failures/,
    );
    expect(lenient.stdout).toMatch(/1 warning, 0 failed — no failures\n$/);
    const strict = await runCli(['doctor', 'breakers', '--strict', '--data-dir', dataDir]);
    expect(strict.exitCode).toBe(1);
    expect(strict.stdout).toMatch(/1 warning, 0 failed — warnings fail under --strict\n$/);
  });

  it('a broken store exits 1 naming each problem; --fix repairs what is safe and a second --fix finds nothing', async () => {
    const dataDir = copyTemplateDataDir();
    // One clock for the writes and the doctor runs: the entry written now expires an hour later.
    const clock = testClock();
    const store = await openStore({ dataDir, clock });
    await store.setMany([
      { key: 'old:1', value: 'x'.repeat(500), ttlMs: 1000 },
      { key: 'app:live', value: 'x'.repeat(100), ttlMs: 0 },
    ]);
    await store.execute('write', 'test', (db) => db.exec('DROP INDEX pgcache_access_lru'));
    await store.close();
    clock.advance(3_600_000);
    writeFileSync(
      join(dataDir, LOCK_FILE_NAME),
      JSON.stringify({ pid: 2 ** 22 + 7, host: hostname(), startedAt: '2026-11-01T00:00:00.000Z' }),
    );
    const checks = ['lock', 'open', 'integrity', 'maintenance'];
    const env = { PGCACHE_MAX_SIZE: '300' }; // above the live entry, below live + expired
    const cli = (...argv: string[]) =>
      runCli(['doctor', ...checks, '--data-dir', dataDir, ...argv], { env, clock });

    const broken = await cli();
    expect(broken.exitCode).toBe(1);
    expect(broken.stdout).toMatch(
      /^✗ lock +stale lock: pid 4194311 .*\n +fix: Run `pgcache doctor --fix` to remove it/,
    );

    const fixed = await cli('--json', '--fix');
    expect(fixed.exitCode).toBe(0);
    expect(fixed.json<DoctorJson>().checks.map((c) => [c.id, c.status, c.fixed])).toEqual([
      ['lock', 'pass', 'removed the stale lock of pid 4194311 (started 2026-11-01T00:00:00.000Z)'],
      ['open', 'pass', undefined],
      ['integrity', 'pass', 'created index pgcache_access_lru'],
      ['maintenance', 'pass', 'purged 1 expired entry (502 B)'],
    ]);
    const again = await cli('--fix');
    expect(again.exitCode).toBe(0);
    expect(again.stdout).not.toContain('fixed:');
    expect(again.stdout).toMatch(/4 checks in .*: 4 passed, 0 warnings, 0 failed — healthy\n$/);
  });
});
