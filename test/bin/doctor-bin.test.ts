import { describe, expect, it } from 'vitest';
import { copyTemplateDataDir } from '../support/data-dir.js';
import { startHolder } from '../support/hold-store.js';
import { pgcache } from '../support/serve-process.js';

// Each run must end on its own: a handle the doctor left open would make it hang into
// pgcache()'s 60s timeout.

describe('pgcache doctor, as a user runs it', () => {
  it('after an owner is killed: exit 1 naming the stale lock, --fix repairs it, then every check passes', async () => {
    const dataDir = copyTemplateDataDir();
    const holder = (await startHolder(dataDir)).child;
    holder.kill('SIGKILL');
    await holder;

    const broken = await pgcache(['doctor', '--data-dir', dataDir]);
    expect(broken).toMatchObject({ exitCode: 1, timedOut: false });
    expect(broken.stdout).toMatch(
      /✗ lock +stale lock: pid \d+ \(started \S+\) is no longer running, and PGlite's postmaster.pid is left over\n/,
    );
    const fixed = await pgcache(['doctor', 'lock', '--fix', '--data-dir', dataDir]);
    expect(fixed).toMatchObject({ exitCode: 0, timedOut: false });
    expect(fixed.stdout).toMatch(
      /✓ lock +no lock: no process owns the data directory\n +fixed: removed the stale lock of pid \d+ .*; removed PGlite's leftover postmaster.pid\n/,
    );
    const healthy = await pgcache(['doctor', '--data-dir', dataDir]);
    expect(healthy).toMatchObject({ exitCode: 0, stderr: '', timedOut: false });
    expect(healthy.stdout).toMatch(/11 checks in .*: 11 passed, 0 warnings, 0 failed — healthy$/);
  }, 120_000);

  it('an owner it cannot go through: the checks that need the store are skipped with the reason, and the run is not a pass (exit 1) unless --allow-skips', async () => {
    const dataDir = copyTemplateDataDir();
    const { child: holder, pid } = await startHolder(dataDir, { control: false });
    try {
      const run = await pgcache(['doctor', '--data-dir', dataDir]);
      expect(run).toMatchObject({ exitCode: 1, timedOut: false });
      expect(run.stdout).toMatch(
        new RegExp(
          `^- open +skipped: owned by pid ${pid} .*, which has no control socket to go through$`,
          'm',
        ),
      );
      expect(run.stdout).toMatch(
        /11 checks in .*: 4 passed, 0 warnings, 0 failed, 7 skipped — not everything was checked \(--allow-skips accepts that\)$/,
      );
      const allowed = await pgcache(['doctor', '--allow-skips', '--data-dir', dataDir]);
      expect(allowed.exitCode).toBe(0);
      expect(allowed.stdout).toMatch(/7 skipped — no failures in what was checked$/);
    } finally {
      holder.stdin?.end();
      await holder;
    }
  }, 120_000);
});
