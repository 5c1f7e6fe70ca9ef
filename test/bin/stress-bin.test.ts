import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { storeExists } from '../../src/store/open-store.js';
import { emptyDir } from '../support/data-dir.js';

const BIN = join(import.meta.dirname, '../../bin/pgcache.js');

describe('pgcache stress, as a user runs it on a fresh machine', () => {
  it('creates and migrates a missing store, judges the seed profile from the package, exits on its own', async () => {
    const dataDir = join(emptyDir(), 'store');
    const run = await execa(
      'node',
      [
        BIN,
        'stress',
        '--data-dir',
        dataDir,
        '--scenario',
        'sequential-writes',
        'sequential-reads',
        '--json',
      ],
      { reject: false, timeout: 90_000, env: { NO_COLOR: '1' } },
    );
    expect(run).toMatchObject({ exitCode: 0, timedOut: false });
    expect(storeExists(dataDir)).toBe(true);
    const report = JSON.parse(run.stdout) as {
      verdict: string;
      profile: string;
      scenarios: { targets: { source: string; status: string }[] }[];
    };
    expect(report).toMatchObject({ verdict: 'pass', profile: 'seed' });
    // The seed profile's targets are the documented ones: 98% and the time bounds of seed 003.
    expect(report.scenarios.flatMap((s) => s.targets.map((t) => [t.status, t.source]))).toEqual([
      ['pass', 'seed 003 Expected Outcomes (sequential write success 98%+)'],
      ['pass', 'seed 003 Testing Plan (100 sequential writes in < 30s)'],
      ['pass', 'seed 003 Expected Outcomes (read success 98%+)'],
      ['pass', 'seed 003 Testing Plan (100 reads in < 5s)'],
    ]);
    // Progress went to stderr as plain lines (no terminal): no in-place redraws.
    expect(run.stderr).toMatch(/^stress run \S+: profile seed, seed \d+, 2 scenarios\n/);
    expect(run.stderr).not.toContain('\r');
  }, 120_000);
});
