import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FILE_NAME } from '../../src/db/data-dir-lock.js';
import { copyTemplateDataDir } from '../support/data-dir.js';
import { runTestDoctor } from '../support/doctor.js';
import { pgcache, startServeProcess, type ServeProcess } from '../support/serve-process.js';

const TOKEN = 'doctor-s3cret-token';

interface DoctorJson {
  checks: { id: string; status: string; detail: string; skipped?: boolean }[];
}

describe('doctor through a serving owner (a real `pgcache serve` process)', () => {
  let dataDir: string;
  let serve: ServeProcess;
  let lockAtStart: string;
  const doctor = (options: Parameters<typeof runTestDoctor>[1] = {}) =>
    runTestDoctor(dataDir, { ...options, settings: { 'serve.token': TOKEN, ...options.settings } });
  const http = (method: string, path: string, body: unknown) =>
    fetch(`${serve.ready.http.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const wireClient = (name: string, on: ServeProcess = serve) =>
    new pg.Client({
      host: on.ready.pg.host,
      port: on.ready.pg.port,
      user: 'app',
      password: TOKEN,
      database: 'postgres',
      application_name: name,
    });

  beforeAll(async () => {
    dataDir = copyTemplateDataDir();
    // A long --idle-transaction-timeout (it must stay under --operation-timeout, and the store's
    // retries within --timeout): a doctor run never races serve ending a held transaction here.
    serve = await startServeProcess(dataDir, [
      ...['--token', TOKEN, '--idle-transaction-timeout', '30s'],
      ...['--operation-timeout', '40s', '--timeout', '3m'],
    ]);
    lockAtStart = readFileSync(join(dataDir, LOCK_FILE_NAME), 'utf8');
  }, 60_000);

  afterAll(async () => {
    serve?.child.kill('SIGTERM');
    await serve?.child;
  });

  it('every check passes through it (none skipped), exit 0, with or without the token (its control socket is private to this user); --json never holds the token', async () => {
    expect((await http('PUT', '/v1/entries/app:a', { value: { on: 'serve' } })).status).toBe(200);
    const run = await pgcache(['doctor', '--json', '--data-dir', dataDir], {
      env: { PGCACHE_TOKEN: TOKEN },
    });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).not.toContain(TOKEN);
    const { checks } = JSON.parse(run.stdout) as DoctorJson;
    expect(checks.filter((c) => c.status !== 'pass' || c.skipped === true)).toEqual([]);
    const detail = (id: string) => checks.find((c) => c.id === id)?.detail;
    const { pid, pg: wire, http: api } = serve.ready;
    expect(detail('lock')).toBe(
      `owned by live pid ${pid}, running since ${JSON.parse(lockAtStart).startedAt}, serving postgres ${wire.host}:${wire.port}, ${api.url}; doctor goes through it`,
    );
    expect(detail('open')).toMatch(
      new RegExp(
        `^reached ${dataDir} through serve, pid ${pid} \\(its control socket\\) in \\d+m?s$`,
      ),
    );
    expect(detail('integrity')).toMatch(/^1 entry, 14 B; .*4 of 4 indexes present$/);
    expect(detail('breakers')).toBe(
      `store closed (0 consecutive failures recorded) in serve, pid ${pid}`,
    );
    expect(detail('connections')).toMatch(
      new RegExp(
        `^serve's wire clients (\\d+) → \\1 \\(peak \\d+ of 100\\); 3 request cycles \\(to serve, pid ${pid}'s control socket, answers in .*\\); handles 0 → 0; no resource left active; `,
      ),
    );
    // The owner's lock was never touched: same owner, same endpoints.
    expect(readFileSync(join(dataDir, LOCK_FILE_NAME), 'utf8')).toBe(lockAtStart);

    const noToken = await runTestDoctor(dataDir, { checks: ['open', 'connections'] });
    expect(noToken.report.checks.map((c) => [c.id, c.status])).toEqual([
      ['open', 'pass'],
      ['connections', 'pass'],
    ]);
  }, 60_000);

  it('--fix over the wire: recreates a dropped index and purges expired entries; the owner keeps its lock', async () => {
    const client = wireClient('psql');
    await client.connect();
    await client.query('DROP INDEX pgcache_entries_kind');
    await client.end();
    for (const key of ['old:1', 'old:2']) {
      const put = await http('PUT', `/v1/entries/${key}`, { value: 1, ttl: '1ms' });
      expect(put.status).toBe(200);
    }
    const checks = ['lock', 'integrity', 'maintenance'];
    const fixed = await doctor({ checks, fix: true, thresholds: { expiredEntries: 1 } });
    expect(fixed.report.checks.map((c) => [c.id, c.status, c.fixed])).toEqual([
      ['lock', 'pass', undefined],
      ['integrity', 'pass', 'created index pgcache_entries_kind'],
      ['maintenance', 'pass', 'purged 2 expired entries (2 B)'],
    ]);
    const again = await doctor({ checks, fix: true, thresholds: { expiredEntries: 1 } });
    expect(again.report.checks.map((c) => c.fixed)).toEqual([undefined, undefined, undefined]);
    expect(readFileSync(join(dataDir, LOCK_FILE_NAME), 'utf8')).toBe(lockAtStart);
  }, 60_000);

  it('connections: a wire client idle in a transaction fails (everyone waits for it); once it ends its transaction the check passes', async () => {
    // This serve waits 30 s before ending an idle transaction: the doctor runs well inside it.
    const holder = wireClient('holder');
    holder.on('error', () => undefined);
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1');
      const held = await doctor({
        checks: ['connections'],
        thresholds: { wireIdleInTransactionMs: 1 },
      });
      expect(held.check('connections')).toMatchObject({
        status: 'fail',
        detail: expect.stringMatching(
          /^wire client \d+ \(holder, 127\.0\.0\.1\) has been idle in a transaction for \d+m?s: every other client and the store wait for it — .*; probe not run$/,
        ),
        fix: expect.stringContaining('--idle-transaction-timeout'),
      });
      // Still in its transaction after the doctor ran: the rollback undoes what it did.
      await holder.query(`INSERT INTO pgcache_meta VALUES ('doctor:held', '1', now())`);
      await holder.query('ROLLBACK');
      const after = await doctor({ checks: ['connections'] });
      expect(after.check('connections').status).toBe('pass');
      // Still connected, now idle outside a transaction: listed, no longer holding anyone up.
      expect(after.check('connections').detail).toMatch(
        /: client \d+ \(holder, 127\.0\.0\.1\) idle \d+m?s; /,
      );
      expect(
        (
          await holder.query(
            `SELECT count(*)::int AS n FROM pgcache_meta WHERE key = 'doctor:held'`,
          )
        ).rows,
      ).toEqual([{ n: 0 }]);
    } finally {
      await holder.end().catch(() => undefined);
    }
  }, 60_000);

  it('connections: serve ends a client idle in a transaction at its --idle-transaction-timeout (25P03), then the check passes', async () => {
    const shortDir = copyTemplateDataDir();
    const short = await startServeProcess(shortDir, [
      ...['--token', TOKEN, '--idle-transaction-timeout', '1s'],
    ]);
    try {
      const holder = wireClient('holder', short);
      const ended = new Promise<string | undefined>((resolve) =>
        holder.on('error', (error: Error & { code?: string }) => resolve(error.code)),
      );
      await holder.connect();
      await holder.query('BEGIN');
      await holder.query(`INSERT INTO pgcache_meta VALUES ('doctor:abandoned', '1', now())`);
      expect(await ended).toBe('25P03');
      await holder.end().catch(() => undefined);
      const after = await runTestDoctor(shortDir, {
        checks: ['connections'],
        settings: { 'serve.token': TOKEN },
      });
      expect(after.check('connections').status).toBe('pass');
      expect(after.check('connections').detail).not.toContain('holder');
      // serve rolled it back.
      const check = wireClient('check', short);
      await check.connect();
      try {
        expect(
          (
            await check.query(
              `SELECT count(*)::int AS n FROM pgcache_meta WHERE key = 'doctor:abandoned'`,
            )
          ).rows,
        ).toEqual([{ n: 0 }]);
      } finally {
        await check.end();
      }
    } finally {
      short.child.kill('SIGTERM');
      await short.child;
    }
  }, 60_000);
});
