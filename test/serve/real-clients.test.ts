import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresTarget, serveTarget, type ClientTarget } from '../support/client-targets.js';
import { emptyDir } from '../support/data-dir.js';
import { POSTGRES_SKIP_REASON } from '../support/postgres.js';
import { PsqlSession } from '../support/psql-session.js';

const POOL_LOAD = join(import.meta.dirname, '../support/bin/pg-pool-load.mjs');

// The same acceptance tests against serve and against PostgreSQL 15, in the same run: what works
// through serve works as it does against PostgreSQL.
const targets: [string, () => Promise<ClientTarget>][] = [['serve', serveTarget]];
if (POSTGRES_SKIP_REASON === undefined) targets.push(['PostgreSQL 15', postgresTarget]);
else
  describe('real clients against PostgreSQL 15', () =>
    it.skip(POSTGRES_SKIP_REASON ?? '', () => undefined));

describe.each(targets)('real clients against %s', (_name, open) => {
  let target: ClientTarget;
  beforeAll(async () => {
    target = await open();
  }, 60_000);
  afterAll(() => target.close());

  const run = (command: string, args: string[], env: Record<string, string> = {}) =>
    execa(command, args, { env: { ...target.env, ...env }, reject: false, timeout: 120_000 });
  const psql = (...commands: string[]) =>
    run('psql', ['-AtX', '-v', 'ON_ERROR_STOP=1', ...commands.flatMap((c) => ['-c', c])]);

  it('psql \\d lists the relations', async () => {
    expect((await psql('CREATE TABLE rc_listed (id int PRIMARY KEY)')).exitCode).toBe(0);
    const listed = await psql('\\d');
    expect(listed.exitCode).toBe(0);
    expect(listed.stdout.split('\n')).toContainEqual(expect.stringMatching(/\|rc_listed\|table\|/));
    const described = await psql('\\d rc_listed');
    expect(described.stdout).toMatch(/^id\|integer\|\|not null\|$/m);
  });

  it('psql \\copy both ways: 1,000 rows in, and the same 1,000 rows out', async () => {
    const dir = emptyDir();
    const rows = Array.from({ length: 1000 }, (_, i) => `${i + 1}\trow ${i + 1}\n`).join('');
    writeFileSync(join(dir, 'in.tsv'), rows);
    const copied = await psql(
      'CREATE TABLE rc_copy (n int, t text)',
      `\\copy rc_copy FROM '${join(dir, 'in.tsv')}'`,
      'SELECT count(*), sum(n) FROM rc_copy',
      `\\copy (SELECT * FROM rc_copy ORDER BY n) TO '${join(dir, 'out.tsv')}'`,
    );
    expect(copied.exitCode).toBe(0);
    expect(copied.stdout.split('\n')).toEqual([
      'CREATE TABLE',
      'COPY 1000',
      '1000|500500',
      'COPY 1000',
    ]);
    expect(readFileSync(join(dir, 'out.tsv'), 'utf8')).toBe(rows);
  });

  it('psql Ctrl-C during SELECT pg_sleep(3): 57014 while it runs, and the connection slot is freed', async () => {
    const app = `rc-cancel-${target.name}`;
    const sleeping = run('psql', ['-X', '-v', 'VERBOSITY=verbose', '-c', 'SELECT pg_sleep(3)'], {
      PGAPPNAME: app,
    });
    await expect.poll(() => target.running(app), { timeout: 10_000 }).toBe('SELECT pg_sleep(3)');
    sleeping.kill('SIGINT');
    const result = await sleeping;
    // Through serve, psql has its answer while PGlite still runs the statement: the cancel
    // answered it, not the statement's end.
    const stillRunning = await target.running(app);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/ERROR: {2}57014: canceling statement due to user request/);
    expect(stillRunning).toBe(target.interrupts ? undefined : 'SELECT pg_sleep(3)');
    await expect.poll(() => target.sessions(app), { timeout: 10_000 }).toBe(0);
    // The cancel request's own connection was answered, closed and never counted.
    if (target.connections !== undefined) expect(target.connections()).toBe(0);
  });

  it("two psql sessions with different SETs do not see each other's", async () => {
    const a = new PsqlSession({ ...target.env, PGAPPNAME: 'rc-a' });
    const b = new PsqlSession({ ...target.env, PGAPPNAME: 'rc-b' });
    try {
      expect(await a.run(`SET TimeZone = 'Asia/Tokyo'; SET search_path = pg_catalog;`)).toEqual([
        'SET',
        'SET',
      ]);
      expect(await b.run(`SET TimeZone = 'Europe/Paris';`)).toEqual(['SET']);
      expect(await a.run('SHOW TimeZone; SHOW search_path;')).toEqual(['Asia/Tokyo', 'pg_catalog']);
      expect(await b.run('SHOW TimeZone;')).toEqual(['Europe/Paris']);
      expect(await b.run('SHOW search_path;')).not.toEqual(['pg_catalog']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('pgbench -i -s 1, then -M simple, extended and prepared at -c 1, 4 and 10: 0 failed, twice prepared', async () => {
    const init = await run('pgbench', ['-i', '-s', '1', '-q']);
    expect(init.exitCode, init.stderr).toBe(0);
    expect(init.stderr).toMatch(/^done in /m);
    const PER_CLIENT = 20;
    const runs = [
      ...['simple', 'extended', 'prepared'].flatMap((mode) =>
        [1, 4, 10].map((c) => [mode, c] as const),
      ),
      ['prepared', 10] as const,
    ];
    for (const [mode, clients] of runs) {
      const bench = await run('pgbench', [
        '-n',
        '-M',
        mode,
        '-c',
        String(clients),
        '-j',
        '2',
        '-t',
        String(PER_CLIENT),
      ]);
      const total = clients * PER_CLIENT;
      expect(bench.exitCode, `${mode} -c ${clients}: ${bench.stderr}`).toBe(0);
      expect(bench.stdout).toMatch(/^number of failed transactions: 0 \(0\.000%\)$/m);
      expect(bench.stdout).toContain(
        `number of transactions actually processed: ${total}/${total}`,
      );
    }
  });

  it('node-postgres pools of 10 in two processes at once, 5,000 queries each (named and unnamed): all right, 0 errors', async () => {
    const [a, b] = await Promise.all(
      ['a', 'b'].map((tag) => run('node', [POOL_LOAD, '5000', tag])),
    );
    for (const result of [a, b]) {
      expect(result?.exitCode, result?.stderr).toBe(0);
      expect(JSON.parse(result?.stdout ?? '{}')).toEqual({
        queries: 5000,
        errors: 0,
        wrong: 0,
        firstError: null,
      });
    }
  });
});
