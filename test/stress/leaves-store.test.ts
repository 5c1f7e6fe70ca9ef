import { describe, expect, it } from 'vitest';
import type { StressReport } from '../../src/stress/report.js';
import { runCli } from '../support/cli.js';
import { copyTemplateDataDir } from '../support/data-dir.js';
import { runTestDoctor } from '../support/doctor.js';

interface MaintenanceData {
  deadRows: number;
  bytes: { onDisk: number; wal: number | null };
}

describe('pgcache stress leaves the store as it found it', () => {
  it('deletes its keys and reclaims their dead rows and WAL: the doctor that runs next finds nothing of the run', async () => {
    const dataDir = copyTemplateDataDir();
    const before = (await runTestDoctor(dataDir, { checks: ['maintenance'] })).check('maintenance');
    const found = before.data as unknown as MaintenanceData;
    const run = await runCli([
      'stress',
      '--scenario',
      'concurrent-writes',
      'mixed',
      'burst',
      '--ops',
      '200',
      '--data-dir',
      dataDir,
      '--json',
      '--quiet',
    ]);
    expect(run.exitCode, run.stderr).toBe(0);
    const report = run.json<StressReport>();
    expect(report.cleanup).toMatchObject({
      kept: false,
      error: null,
      reclaim: { how: 'vacuum+checkpoint', walBytesBefore: found.bytes.wal },
    });
    expect(report.cleanup.deletedKeys).toBeGreaterThan(1000);

    const after = (await runTestDoctor(dataDir, { checks: ['maintenance'] })).check('maintenance');
    const left = after.data as unknown as MaintenanceData;
    expect(after.status).toBe('pass');
    expect(left.deadRows).toBe(0);
    // CHECKPOINT trims the WAL the run wrote back to what the store had, or to its floor once
    // used (two 16 MiB segments: min_wal_size), far below doctor's threshold.
    const floor = Math.max(found.bytes.wal ?? 0, 32 * 1024 ** 2);
    expect(left.bytes.wal).toBeLessThanOrEqual(floor);
    expect(report.cleanup.reclaim.walBytesAfter).toBeLessThanOrEqual(floor);
  }, 60_000);
});
