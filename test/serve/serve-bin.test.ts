import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { LOCK_FILE_NAME } from '../../src/db/data-dir-lock.js';
import { copyTemplateDataDir, emptyDir } from '../support/data-dir.js';
import { runCli } from '../support/cli.js';
import { pgcache, startServeProcess } from '../support/serve-process.js';
import { TestOrigin } from '../support/test-origin.js';

const psql = (port: number, sql: string) =>
  execa(
    'psql',
    ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-AtX', '-c', sql],
    {
      reject: false,
      timeout: 30_000,
      env: { PGCONNECT_TIMEOUT: '10' },
    },
  );

describe('pgcache serve as a process', () => {
  it('serves psql, pgbench, HTTP and other pgcache processes at once, then stops cleanly on SIGTERM', async () => {
    const dataDir = copyTemplateDataDir();
    const serve = await startServeProcess(dataDir);
    const { pid, pg, http } = serve.ready;
    const lockPath = join(dataDir, LOCK_FILE_NAME);
    const lockAtStart = JSON.parse(readFileSync(lockPath, 'utf8')) as Record<string, unknown>;
    expect(lockAtStart).toMatchObject({ pid, endpoints: { pg, http } });

    // Seed through HTTP, read back with psql.
    for (let i = 1; i <= 20; i += 1) {
      const res = await fetch(`${http.url}/v1/entries/bench:${i}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ value: { i } }),
      });
      expect(res.status).toBe(200);
    }
    expect((await psql(pg.port, 'SELECT count(*) FROM pgcache_entries')).stdout).toBe('20');

    // pgbench: a few clients selecting by key, a fixed number of transactions each, on the shared
    // session.
    const script = join(emptyDir(), 'select.sql');
    writeFileSync(
      script,
      "\\set k random(1, 20)\nSELECT value FROM pgcache_entries WHERE key = 'bench:' || :k;\n",
    );
    const CLIENTS = 4;
    const PER_CLIENT = 50;
    const bench = await execa(
      'pgbench',
      [
        '-n',
        '-h',
        '127.0.0.1',
        '-p',
        String(pg.port),
        '-U',
        'postgres',
        '-c',
        String(CLIENTS),
        '-j',
        '2',
        '-t',
        String(PER_CLIENT),
        '-f',
        script,
        'postgres',
      ],
      { reject: false, timeout: 60_000 },
    );
    expect(bench.exitCode).toBe(0);
    expect(bench.stdout).toMatch(/^number of failed transactions: 0 \(0\.000%\)$/m);
    expect(bench.stdout).toMatch(
      new RegExp(
        `^number of transactions actually processed: ${CLIENTS * PER_CLIENT}/${CLIENTS * PER_CLIENT}$`,
        'm',
      ),
    );

    // Many pgcache processes at once: writers, readers, a maintain and a stats. None is refused.
    const dir = ['--data-dir', dataDir];
    const writers = Array.from({ length: 5 }, (_, i) =>
      pgcache(['set', `multi:${i}`, String(i), ...dir]),
    );
    const readers = Array.from({ length: 2 }, (_, i) => pgcache(['get', `bench:${i + 1}`, ...dir]));
    const maintain = pgcache(['maintain', '--json', ...dir]);
    const stats = pgcache(['stats', ...dir]);
    const runs = await Promise.all([...writers, ...readers, maintain, stats]);
    expect(runs.map((r) => [r.exitCode, r.stderr])).toEqual(runs.map(() => [0, '']));
    expect(JSON.parse((await readers[0])?.stdout ?? '')).toEqual({ i: 1 });
    expect(JSON.parse((await maintain).stdout)).toMatchObject({ reclaimed: 'vacuum+checkpoint' });
    expect((await stats).stdout).toMatch(
      new RegExp(`^backend: +PGlite 0\\.5\\.14 .* \\(via serve, pid ${pid}\\)$`, 'm'),
    );
    expect((await stats).stdout).toMatch(/^wire clients: +\d+ connected \(peak \d+, max 100\)/m);
    const list = await pgcache(['list', '--prefix', 'multi:', '--json', ...dir]);
    expect(
      (JSON.parse(list.stdout) as { entries: { key: string }[] }).entries.map((e) => e.key),
    ).toEqual(Array.from({ length: 5 }, (_, i) => `multi:${i}`));

    // One owner all along: the lock never changed hands, one instance, one handle in serve.
    expect(JSON.parse(readFileSync(lockPath, 'utf8'))).toEqual(lockAtStart);
    const owner = (await (await fetch(`${http.url}/v1/stats`)).json()) as {
      connections: {
        handles: number;
        wire: { peak: number; accepted: number };
        control: { served: number };
      };
      instance: { generation: number };
    };
    expect(owner.connections.handles).toBe(1);
    expect(owner.instance.generation).toBe(1);
    // psql and pgbench on the wire endpoint; every pgcache process on the control socket.
    expect(owner.connections.wire.accepted).toBeGreaterThanOrEqual(1 + CLIENTS);
    expect(owner.connections.control.served).toBeGreaterThanOrEqual(runs.length + 1);

    serve.child.kill('SIGTERM');
    const exit = await serve.child;
    expect(exit.exitCode).toBe(0);
    expect(serve.stderr()).toMatch(/shutting down[^]*stopped\n$/);
    expect(existsSync(lockPath)).toBe(false);
    // With no owner, commands open the directory themselves again.
    expect((await pgcache(['get', 'multi:3', ...dir])).stdout).toBe('3');
  }, 120_000);

  it('sends the write-behind outbox to the origin on SIGTERM before it stops; nothing is left waiting', async () => {
    const origin = await TestOrigin.start();
    try {
      const dataDir = copyTemplateDataDir();
      const serve = await startServeProcess(dataDir, [
        ...['--origin', origin.template, '--strategy', 'write-behind'],
        ...['--outbox-flush', '1h'], // the background flusher runs at start only
      ]);
      const put = await fetch(`${serve.ready.http.url}/v1/entries/component:react:late`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ value: { late: true } }),
      });
      expect(await put.json()).toMatchObject({ strategy: 'write-behind' });
      expect(origin.count('PUT')).toBe(0);
      serve.child.kill('SIGTERM');
      expect((await serve.child).exitCode).toBe(0);
      expect(origin.stored.get('/react/late.json')).toBe('{"late":true}');
      const stats = await pgcache(['stats', '--json', '--data-dir', dataDir]);
      expect(JSON.parse(stats.stdout)).toMatchObject({ outbox: { depth: 0 } });
    } finally {
      await origin.close();
    }
  }, 60_000);

  it('--max-copy: a COPY FROM STDIN over it fails with 54000 and stores nothing; a smaller one and other clients go on', async () => {
    const dataDir = copyTemplateDataDir();
    const serve = await startServeProcess(dataDir, ['--max-copy', '4KB']);
    try {
      const dir = emptyDir();
      const rows = (n: number) =>
        Array.from({ length: n }, (_, i) => `${i}\t${'x'.repeat(90)}`).join('\n') + '\n';
      writeFileSync(join(dir, 'big.tsv'), rows(100)); // about 9.5 KB
      writeFileSync(join(dir, 'small.tsv'), rows(10)); // about 950 B
      const port = serve.ready.pg.port;
      expect((await psql(port, 'CREATE TABLE mc_copy (n int, t text)')).exitCode).toBe(0);
      const big = await psql(port, `\\copy mc_copy FROM '${join(dir, 'big.tsv')}'`);
      expect(big.exitCode).not.toBe(0);
      expect(big.stderr).toContain('accepts in one COPY (4000 bytes)');
      expect(big.stderr).toContain('--max-copy');
      expect((await psql(port, 'SELECT count(*) FROM mc_copy')).stdout).toBe('0');
      const small = await psql(port, `\\copy mc_copy FROM '${join(dir, 'small.tsv')}'`);
      expect(small.stdout).toBe('COPY 10');
      expect((await psql(port, 'SELECT count(*) FROM mc_copy')).stdout).toBe('10');
    } finally {
      serve.child.kill('SIGTERM');
      await serve.child;
    }
  }, 60_000);

  it('--idle-exit: exits 0 on its own once nobody has connected for that long, and releases the lock', async () => {
    const dataDir = copyTemplateDataDir();
    const serve = await startServeProcess(dataDir, ['--idle-exit', '1s']);
    const exit = await serve.child;
    expect(exit.exitCode).toBe(0);
    expect(serve.stderr()).toMatch(/nobody connected for 1s: shutting down/);
    expect(existsSync(join(dataDir, LOCK_FILE_NAME))).toBe(false);
  }, 60_000);

  it('refuses an idle-transaction timeout the store could not wait out, before opening anything (78)', async () => {
    const run = await runCli([
      'serve',
      '--idle-transaction-timeout',
      '10s',
      '--data-dir',
      emptyDir(),
      '--json',
    ]);
    expect(run.exitCode).toBe(78);
    expect(run.error()).toMatchObject({
      code: 'E_CONFIG',
      message: expect.stringContaining('must be shorter than operationTimeoutMs (5s)'),
    });
  });

  it('refuses a non-loopback address without a token, before opening anything (exit 2)', async () => {
    const run = await runCli(['serve', '--host', '0.0.0.0', '--data-dir', emptyDir(), '--json']);
    expect(run.exitCode).toBe(2);
    expect(run.error()).toMatchObject({
      code: 'E_USAGE',
      message: expect.stringContaining('requires --token'),
    });
  });
});
