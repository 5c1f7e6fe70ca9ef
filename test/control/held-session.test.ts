import { execa, type ResultPromise } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { copyTemplateDataDir } from '../support/data-dir.js';
import { pgcache, startServeProcess, type ServeProcess } from '../support/serve-process.js';

interface Holder {
  readonly clientId: number;
  readonly applicationName: string;
  readonly address: string;
  readonly state: string;
  readonly heldMs: number;
  readonly statement: string;
}

/** psql reading statements from a pipe; `run` sends one and waits for its output line. */
function startPsql(port: number): {
  child: ResultPromise;
  run(sql: string, expect: RegExp): Promise<void>;
} {
  const child = execa(
    'psql',
    ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-AtX'],
    { stdin: 'pipe', reject: false, timeout: 60_000, env: { PGCONNECT_TIMEOUT: '10' } },
  );
  let out = '';
  const waiting: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const w of [...waiting]) {
      if (w.pattern.test(out)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  return {
    child,
    run(sql, pattern) {
      const seen = new Promise<void>((resolve) => waiting.push({ pattern, resolve }));
      child.stdin?.write(`${sql}\n`);
      return seen;
    },
  };
}

describe('a psql client holding the session of serve', () => {
  let dataDir: string;
  let serve: ServeProcess;

  beforeAll(async () => {
    dataDir = copyTemplateDataDir();
    // serve ends a client idle in a transaction after 30 s: far beyond this test's holds.
    serve = await startServeProcess(dataDir, [
      ...['--idle-transaction-timeout', '30s', '--operation-timeout', '40s', '--timeout', '3m'],
    ]);
  }, 60_000);
  afterAll(async () => {
    serve.child.kill('SIGTERM');
    await serve.child;
  });

  it('stats --json, /v1/stats, /metrics and doctor connections answer while it holds BEGIN, naming it; the hold goes on', async () => {
    const psql = startPsql(serve.ready.pg.port);
    await psql.run('BEGIN;', /BEGIN\n/);
    await psql.run(
      `INSERT INTO pgcache_meta (key, value, updated_at) VALUES ('held', '1', now());`,
      /INSERT 0 1\n/,
    );

    const stats = await pgcache(['stats', '--json', '--data-dir', dataDir]);
    expect(stats).toMatchObject({ exitCode: 0, stderr: '' });
    const doc = JSON.parse(stats.stdout) as {
      entries: unknown;
      hits: unknown;
      queue: { pending: number };
      connections: { holder: Holder; wire: { current: number } };
      unavailable: { reason: string; holder: Holder };
    };
    const holder = doc.connections.holder;
    expect(holder).toMatchObject({
      applicationName: 'psql',
      address: '127.0.0.1',
      state: 'idle in transaction',
      statement: `INSERT INTO pgcache_meta (key, value, updated_at) VALUES ('held', '1', now())`,
    });
    expect(holder.heldMs).toBeGreaterThanOrEqual(0);
    // What needs the database says who holds it instead of waiting; the rest is in memory.
    expect(doc).toMatchObject({
      entries: null,
      hits: null,
      unavailable: { holder: { ...holder, heldMs: expect.any(Number) } },
    });
    expect(doc.unavailable.reason).toMatch(
      new RegExp(
        `^session held by client ${holder.clientId} \\(psql, postgres@127\\.0\\.0\\.1\\), idle in transaction for \\d+m?s: INSERT INTO pgcache_meta`,
      ),
    );
    expect(doc.connections.wire.current).toBe(1);
    const text = await pgcache(['stats', '--data-dir', dataDir]);
    expect(text.stdout).toMatch(/^entries: +unavailable \(session held by client \d+ \(psql, /m);
    expect(text.stdout).toMatch(/^session: +held by client \d+ \(psql, /m);

    const api = serve.ready.http.url;
    const v1 = (await (await fetch(`${api}/v1/stats`)).json()) as {
      unavailable: { holder: Holder };
    };
    expect(v1.unavailable.holder.clientId).toBe(holder.clientId);
    const metrics = await (await fetch(`${api}/metrics`)).text();
    expect(metrics).toMatch(/^pgcache_session_held_seconds [\d.]+$/m);
    expect(metrics).not.toMatch(/^pgcache_entries/m);

    const doctor = await pgcache(['doctor', 'connections', '--json', '--data-dir', dataDir]);
    const check = (JSON.parse(doctor.stdout) as { checks: { detail: string }[] }).checks[0];
    expect(check?.detail).toContain(
      `session held by client ${holder.clientId} (psql, postgres@127.0.0.1), idle in transaction for `,
    );

    // Still in its transaction: it sees its own row, and the rollback undoes it.
    await psql.run(`SELECT count(*) FROM pgcache_meta WHERE key = 'held';`, /^1\n/m);
    await psql.run('ROLLBACK;', /ROLLBACK\n/);
    psql.child.stdin?.end();
    expect((await psql.child).exitCode).toBe(0);
    const after = JSON.parse(
      (await pgcache(['stats', '--json', '--data-dir', dataDir])).stdout,
    ) as {
      unavailable?: unknown;
      connections: { holder: unknown };
    };
    expect(after).not.toHaveProperty('unavailable');
    expect(after.connections.holder).toBeNull();
  }, 60_000);
});

describe('/healthz of serve', () => {
  it('degrades, naming the holder, once a client has held the session past the operation timeout; ok again once it lets go', async () => {
    const dataDir = copyTemplateDataDir();
    // The client keeps sending (never idle 1.5 s) while its transaction outlasts the 2 s timeout.
    const serve = await startServeProcess(dataDir, [
      ...['--operation-timeout', '2s', '--idle-transaction-timeout', '1500ms'],
    ]);
    const client = new pg.Client({
      host: serve.ready.pg.host,
      port: serve.ready.pg.port,
      user: 'app',
      database: 'postgres',
      application_name: 'long-tx',
    });
    await client.connect();
    const healthz = async () => {
      const res = await fetch(`${serve.ready.http.url}/healthz`);
      return {
        status: res.status,
        body: (await res.json()) as { status: string; reasons: string[] },
      };
    };
    try {
      expect(await healthz()).toMatchObject({ status: 200, body: { status: 'ok', reasons: [] } });
      await client.query('BEGIN');
      await vi.waitFor(
        async () => {
          await client.query('SELECT 1');
          expect((await healthz()).body.status).toBe('degraded');
        },
        { timeout: 30_000, interval: 50 },
      );
      const degraded = await healthz();
      expect(degraded.status).toBe(503);
      expect(degraded.body.reasons).toEqual([
        expect.stringMatching(
          /^session held by client \d+ \(long-tx, app@127\.0\.0\.1\), (idle in transaction|active) for \d+(\.\d+)?s: SELECT 1, past the operation timeout \(2s\): every store call waits$/,
        ),
      ]);
      await client.query('COMMIT');
      expect(await healthz()).toMatchObject({ status: 200, body: { status: 'ok' } });
    } finally {
      await client.end();
      serve.child.kill('SIGTERM');
      await serve.child;
    }
  }, 60_000);
});
