import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCK_FILE_NAME } from '../../src/db/data-dir-lock.js';
import { copyTemplateDataDir, emptyDir } from '../support/data-dir.js';
import { runCli } from '../support/cli.js';

describe('exit codes and error output', () => {
  it('0 for --help and --version', async () => {
    expect(await runCli(['--version'])).toMatchObject({ exitCode: 0, stdout: '0.1.0\n' });
    const help = await runCli(['get', '--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('Usage: pgcache get [options] <key>');
  });

  it('2 for an unknown command, an unknown flag, a missing argument or a bad duration', async () => {
    for (const argv of [
      ['frobnicate'],
      ['get', 'a:1', '--bogus'],
      ['get'],
      ['set', 'a:1', '1', '--ttl', '30'],
      ['list', '--limit', 'lots'],
    ]) {
      const run = await runCli(argv);
      expect(run.exitCode, argv.join(' ')).toBe(2);
      expect(run.stderr, argv.join(' ')).toMatch(
        /^error \[E_USAGE\] .+\nhint: Run `pgcache --help`/,
      );
    }
    const json = await runCli(['set', 'a:1', '1', '--ttl', '30', '--json']);
    expect(json.error()).toEqual({
      code: 'E_USAGE',
      message: `option '--ttl <duration>' argument '30' is invalid. "30" has no unit; write it as 30ms, 30s, 30m, 30h or 30d`,
      hint: 'Run `pgcache --help` or `pgcache <command> --help` for usage.',
    });
  });

  it('75 when another live process owns the data directory, naming its pid; the lock is left alone', async () => {
    const dataDir = copyTemplateDataDir();
    const owner = {
      pid: process.ppid,
      host: (await import('node:os')).hostname(),
      startedAt: '2026-11-22T10:00:00.000Z',
    };
    writeFileSync(join(dataDir, LOCK_FILE_NAME), JSON.stringify(owner));
    const run = await runCli(['get', 'a:1', '--data-dir', dataDir, '--json']);
    expect(run.exitCode).toBe(75);
    expect(run.error()).toMatchObject({
      code: 'E_STORE_LOCKED',
      message: expect.stringContaining(`owned by pid ${process.ppid}`),
    });
  });

  it('clears a stale lock with a warning on stderr and carries on', async () => {
    const dataDir = copyTemplateDataDir();
    writeFileSync(
      join(dataDir, LOCK_FILE_NAME),
      JSON.stringify({
        pid: 2 ** 22 + 7,
        host: (await import('node:os')).hostname(),
        startedAt: '2026-11-01T00:00:00.000Z',
      }),
    );
    const run = await runCli(['get', 'a:1', '--data-dir', dataDir]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(
      /^warning cleared a stale lock on .* left by pid 4194311 .*no longer running\n$/,
    );
  });

  it('78 for an invalid config file or a timeout hierarchy that cannot fit', async () => {
    const cwd = emptyDir();
    writeFileSync(join(cwd, 'pgcache.config.json'), '{"queue": {"waitTimeoutMs": "10s"}}');
    const run = await runCli(['get', 'a:1', '--timeout', '5s'], { cwd });
    expect(run.exitCode).toBe(78);
    expect(run.stderr).toMatch(
      /\[E_CONFIG\] queue.waitTimeoutMs \(10s, from .*pgcache.config.json\) \+ retry.attempts \(3\) × operationTimeoutMs \(1.3s, from default .*\) = 13.8s does not fit in timeoutMs \(5s, from --timeout\)/,
    );
    writeFileSync(join(cwd, 'pgcache.config.json'), '{"nope": 1}');
    expect((await runCli(['stats'], { cwd })).exitCode).toBe(78);
  });

  it('70 for a bug, with a message and no stack trace unless PGCACHE_DEBUG=1', async () => {
    const broken = () => Promise.reject(new TypeError('cannot read properties of undefined'));
    const run = await runCli(['get', 'a:1', '--data-dir', copyTemplateDataDir()], {
      openStore: broken,
    });
    expect(run.exitCode).toBe(70);
    expect(run.stderr).toBe(
      'error [E_INTERNAL] internal error: TypeError: cannot read properties of undefined\nhint: This is a bug in pgcache; please report it with this message (set PGCACHE_DEBUG=1 for the stack).\n',
    );
    const debug = await runCli(['get', 'a:1'], { openStore: broken, env: { PGCACHE_DEBUG: '1' } });
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  it('130 when interrupted', async () => {
    const interrupted = new AbortController();
    interrupted.abort();
    const run = await runCli(['get', 'a:1', '--data-dir', copyTemplateDataDir()], {
      signal: interrupted.signal,
    });
    expect(run.exitCode).toBe(130);
    expect(run.stderr).toContain('[E_INTERRUPTED]');
  });
});

describe('version', () => {
  it('matches package.json', async () => {
    const { VERSION } = await import('../../src/version.js');
    const pkg = (await import('../../package.json', { with: { type: 'json' } })).default as {
      version: string;
    };
    expect(VERSION).toBe(pkg.version);
  });
});
