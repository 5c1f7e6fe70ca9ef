import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyTemplateDataDir, emptyDir } from '../support/data-dir.js';
import { startHolder } from '../support/hold-store.js';
import { pgcache as pgcacheRun } from '../support/serve-process.js';

// Each run must end on its own: a handle left open would make it hang into this timeout.
const pgcache = (args: string[], input?: string) => pgcacheRun(args, { timeout: 30_000, input });

describe('the built bin, as a user runs it', () => {
  it('init, set from stdin, get, and every process exits on its own', async () => {
    const dataDir = join(emptyDir(), 'store');
    expect((await pgcache(['init', '--data-dir', dataDir])).exitCode).toBe(0);
    const set = await pgcache(
      ['set', 'component:react:button', '-', '--data-dir', dataDir],
      '{"code":"<button/>"}',
    );
    expect(set).toMatchObject({ exitCode: 0, stderr: '', timedOut: false });
    const get = await pgcache(['get', 'component:react:button', '--data-dir', dataDir]);
    expect(get).toMatchObject({ exitCode: 0, stdout: '{"code":"<button/>"}', timedOut: false });
    const absent = await pgcache(['get', 'nope:1', '--data-dir', dataDir]);
    expect(absent).toMatchObject({ exitCode: 1, stdout: '', stderr: '' });
  }, 90_000);

  it('refuses a second process on a directory whose owner has no control socket (75, owner pid, how to make it reachable), and the owner loses nothing', async () => {
    const dataDir = copyTemplateDataDir();
    const { child: holder, pid } = await startHolder(dataDir, {
      reject: true,
      timeout: 60_000,
      control: false,
    });
    const refused = await pgcache(['set', 'other:1', '1', '--data-dir', dataDir, '--json']);
    expect(refused.exitCode).toBe(75);
    expect(JSON.parse(refused.stderr)).toMatchObject({
      error: {
        code: 'E_STORE_LOCKED',
        message: expect.stringContaining(`owned by pid ${pid}`),
        hint: expect.stringContaining('control socket on (the default)'),
      },
    });
    holder.stdin?.end();
    await holder;
    const get = await pgcache(['get', 'holder:alive', '--data-dir', dataDir]);
    expect(JSON.parse(get.stdout)).toEqual({ pid });
    expect((await pgcache(['get', 'other:1', '--data-dir', dataDir])).exitCode).toBe(1);
  }, 90_000);

  it('an owner killed with SIGKILL leaves a stale lock that the next command clears with a warning', async () => {
    const dataDir = copyTemplateDataDir();
    const holder = (await startHolder(dataDir)).child;
    holder.kill('SIGKILL');
    await holder;
    const get = await pgcache(['get', 'holder:alive', '--data-dir', dataDir]);
    expect(get.exitCode).toBe(0);
    expect(get.stderr).toMatch(/^warning cleared a stale lock .* left by pid \d+/);
  }, 90_000);

  it('six processes racing for one directory: each waits its turn (opening it, or through whoever owns it), and every write is readable', async () => {
    const dataDir = copyTemplateDataDir();
    const runs = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        pgcache(['set', `race:${i}`, String(i), '--data-dir', dataDir]),
      ),
    );
    expect(runs.map((r) => [r.exitCode, r.stderr])).toEqual(runs.map(() => [0, '']));
    const list = await pgcache(['list', '--prefix', 'race:', '--json', '--data-dir', dataDir]);
    expect(
      (JSON.parse(list.stdout) as { entries: { key: string }[] }).entries.map((e) => e.key),
    ).toEqual(runs.map((_, i) => `race:${i}`));
  }, 120_000);
});
