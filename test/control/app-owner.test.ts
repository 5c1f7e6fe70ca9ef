import { existsSync, lstatSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROL_SOCKET_NAME } from '../../src/control/control-socket.js';
import { LOCK_FILE_NAME } from '../../src/db/data-dir-lock.js';
import { copyTemplateDataDir } from '../support/data-dir.js';
import { startHolder, type Holder } from '../support/hold-store.js';
import { pgcache } from '../support/serve-process.js';

interface StatsJson {
  backend: { via?: string };
  entries: { total: number };
  connections: {
    open: number;
    handles: number;
    control: { clients: { pid: number; name: string; operation: string; self?: true }[] };
  };
}

// An application that opened the store through the library (support/bin/hold-store.mjs) owns
// the data directory; every command from other processes goes through its control socket.
describe('a store owned by an app process', () => {
  let dataDir: string;
  let app: Holder;
  const run = (...args: string[]) => pgcache([...args, '--data-dir', dataDir]);

  beforeAll(async () => {
    dataDir = copyTemplateDataDir();
    app = await startHolder(dataDir, { timeout: 120_000 });
  }, 60_000);
  afterAll(async () => {
    app.child.stdin?.end();
    await app.child;
  });

  it('advertises its control socket in the lock file; the socket is private to this user', () => {
    const socket = join(dataDir, CONTROL_SOCKET_NAME);
    const lock = JSON.parse(readFileSync(join(dataDir, LOCK_FILE_NAME), 'utf8')) as {
      pid: number;
      endpoints: { control: string };
    };
    expect(lock).toMatchObject({ pid: app.pid, endpoints: { control: socket } });
    expect(lstatSync(socket).isSocket()).toBe(true);
    expect(lstatSync(socket).mode & 0o777).toBe(0o600);
  });

  it('set, get, list, del and stats from other processes go through it', async () => {
    expect(await run('set', 'component:react:card', '{"rows":3}', '--ttl', '1h')).toMatchObject({
      exitCode: 0,
      stdout: 'stored component:react:card (10 bytes, expires in 1h)',
      stderr: '',
    });
    expect(await run('get', 'component:react:card')).toMatchObject({
      exitCode: 0,
      stdout: '{"rows":3}',
    });
    expect(JSON.parse((await run('get', 'holder:alive', '--json')).stdout)).toMatchObject({
      found: true,
      value: { pid: app.pid },
    });
    expect(await run('get', 'app:absent')).toMatchObject({ exitCode: 1, stdout: '' });
    const list = JSON.parse((await run('list', '--json')).stdout) as { entries: { key: string }[] };
    expect(list.entries.map((e) => e.key)).toEqual(['component:react:card', 'holder:alive']);

    const stats = await run('stats', '--json');
    expect(stats).toMatchObject({ exitCode: 0, stderr: '' });
    const doc = JSON.parse(stats.stdout) as StatsJson;
    expect(doc.backend.via).toBe(`pid ${app.pid}`);
    expect(doc.entries.total).toBe(2);
    // The app's one database handle; this command reached it as a request, marked as itself.
    expect(doc.connections).toMatchObject({ open: 1, handles: 1 });
    expect(doc.connections.control.clients).toEqual([
      expect.objectContaining({ name: 'pgcache stats', operation: 'stats', self: true }),
    ]);
    expect((await run('stats')).stdout).toMatch(
      /^control socket: +1 in flight: this command stats$/m,
    );

    expect(JSON.parse((await run('del', 'component:react:card', '--json')).stdout)).toMatchObject({
      removed: 1,
    });
    // It never left the app's hands.
    expect(JSON.parse(readFileSync(join(dataDir, LOCK_FILE_NAME), 'utf8'))).toMatchObject({
      pid: app.pid,
    });
  }, 60_000);

  it('set --batch and init go through it', async () => {
    const batch = join(dataDir, '..', 'batch.ndjson');
    writeFileSync(batch, '{"key":"app:b1","value":1}\n{"key":"app:b2","value":2,"ttl":"1h"}\n');
    expect(await run('set', '--batch', batch)).toMatchObject({
      exitCode: 0,
      stdout: `stored 2 entries (2 B) from ${batch}`,
      stderr: '',
    });
    expect((await run('get', 'app:b2')).stdout).toBe('2');
    expect(await run('init')).toMatchObject({
      exitCode: 0,
      stdout: `${dataDir} is up to date (schema version 4) (owned by pid ${app.pid}); nothing to do`,
    });
    expect(JSON.parse((await run('del', 'app:b1', 'app:b2', '--json')).stdout)).toMatchObject({
      removed: 2,
    });
  }, 60_000);

  it('maintain and migrate status go through it; migrate up is refused, naming it', async () => {
    const maintain = await run('maintain', '--json');
    expect(maintain).toMatchObject({ exitCode: 0, stderr: '' });
    expect(JSON.parse(maintain.stdout)).toMatchObject({ reclaimed: 'vacuum+checkpoint' });
    expect((await run('migrate', 'status')).stdout).toMatch(/0 pending, 0 drifted\n?$/);
    const up = await run('migrate', 'up', '--json');
    expect(up.exitCode).toBe(75);
    expect(JSON.parse(up.stderr)).toMatchObject({
      error: { code: 'E_STORE_LOCKED', message: expect.stringContaining(`pid ${app.pid} owns`) },
    });
  }, 60_000);

  it('doctor examines the store through it: every check passes, none skipped', async () => {
    const doctor = await run('doctor', '--json');
    expect(doctor).toMatchObject({ exitCode: 0, stderr: '' });
    const { checks, summary } = JSON.parse(doctor.stdout) as {
      checks: { id: string; status: string; detail: string }[];
      summary: Record<string, number>;
    };
    expect(summary).toMatchObject({ pass: 11, warn: 0, fail: 0, skip: 0 });
    expect(checks.find((c) => c.id === 'lock')?.detail).toMatch(
      new RegExp(`^owned by live pid ${app.pid}, .*; doctor goes through it$`),
    );
    expect(checks.find((c) => c.id === 'open')?.detail).toMatch(
      new RegExp(`^reached ${dataDir} through pid ${app.pid} \\(its control socket\\) in `),
    );
  }, 60_000);
});

describe('an app owner killed with SIGKILL', () => {
  it('leaves a stale lock and socket: the next command clears both with a warning and opens the store', async () => {
    const dataDir = copyTemplateDataDir();
    const app = await startHolder(dataDir);
    app.child.kill('SIGKILL');
    await app.child;
    const socket = join(dataDir, CONTROL_SOCKET_NAME);
    expect(lstatSync(socket).isSocket()).toBe(true);
    const get = await pgcache(['get', 'holder:alive', '--data-dir', dataDir]);
    expect(get).toMatchObject({ exitCode: 0, stdout: JSON.stringify({ pid: app.pid }) });
    expect(get.stderr).toMatch(
      new RegExp(
        `^warning cleared a stale lock and its control socket on ${dataDir} left by pid ${app.pid} \\(started \\S+\\), which is no longer running$`,
      ),
    );
    // The command's own socket went with it.
    expect(existsSync(socket)).toBe(false);
    expect(existsSync(join(dataDir, LOCK_FILE_NAME))).toBe(false);
  }, 60_000);
});
