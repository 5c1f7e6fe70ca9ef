import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { storeExists } from '../../src/store/open-store.js';
import { emptyDir } from '../support/data-dir.js';

const BIN = join(import.meta.dirname, '../../bin/pgcache.js');

interface Report {
  verdict: string;
  profile: string;
  scenarios: {
    id: string;
    attempted: number;
    succeeded: number;
    metrics: Record<string, { value: number | null }>;
    targets: { id: string; source: string; description: string; status: string }[];
  }[];
}

describe('pgcache stress, as a user runs it on a fresh machine', () => {
  it('creates a missing store, judges seed targets read from the package, survives a SIGKILLed writer, exits on its own', async () => {
    const dataDir = join(emptyDir(), 'store');
    const scenarios = ['sequential-writes', 'sequential-reads', 'crash-recovery'];
    const argv = [
      BIN,
      'stress',
      '--data-dir',
      dataDir,
      '--scenario',
      ...scenarios,
      '--rounds',
      '1',
    ];
    const run = await execa('node', [...argv, '--json'], {
      reject: false,
      timeout: 90_000,
      env: { NO_COLOR: '1' },
    });
    expect(run).toMatchObject({ exitCode: 0, timedOut: false });
    expect(storeExists(dataDir)).toBe(true);
    const report = JSON.parse(run.stdout) as Report;
    expect(report).toMatchObject({ verdict: 'pass', profile: 'seed' });
    // The seed profile's targets are the documented ones: 98% and the time bounds of seed 003.
    const [writes, reads, crash] = report.scenarios;
    expect(
      [...(writes?.targets ?? []), ...(reads?.targets ?? [])].map((t) => [
        t.status,
        t.source,
        t.description,
      ]),
    ).toEqual([
      ['pass', 'seed 003 Expected Outcomes', 'sequential write success 98%+ (was 70%)'],
      ['pass', 'seed 003 Testing Plan', 'test 1: 100 sequential writes in < 30s'],
      ['pass', 'seed 003 Expected Outcomes', 'read success 98%+ (was 48%)'],
      ['pass', 'seed 003 Testing Plan', 'test 3: 100 reads in < 5s'],
    ]);
    // One round: a child (the built dist/) writes, is killed, and every acknowledged key is there.
    expect(crash).toMatchObject({ id: 'crash-recovery', attempted: 1, succeeded: 1 });
    expect(crash?.metrics['lost']?.value).toBe(0);
    expect(crash?.metrics['openFailures']?.value).toBe(0);
    // Progress went to stderr as plain lines (no terminal): no in-place redraws.
    expect(run.stderr).toMatch(/^stress run \S+: profile seed, seed \d+, 3 scenarios\n/);
    expect(run.stderr).not.toContain('\r');
  }, 120_000);
});
