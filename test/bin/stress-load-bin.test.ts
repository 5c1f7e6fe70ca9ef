import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCK_FILE_NAME } from '../../src/db/data-dir-lock.js';
import { nodeHost } from '../../src/platform/host.js';
import { copyTemplateDataDir, emptyDir } from '../support/data-dir.js';
import { pgcache } from '../support/serve-process.js';

interface Report {
  verdict: string;
  aborted: boolean;
  loadSource: string;
  loadProcesses: {
    serve: { pid: number; http: string; startedByRun: boolean } | null;
    workers: number[];
  };
  skipped: { id: string; reason: string; targets: string[] }[];
  scenarios: {
    id: string;
    attempted: number;
    succeeded: number;
    successRate: number;
    verdict: string;
    load: { stoppedBy: string };
    targets: { id: string; status: string }[];
    remote:
      | { kind: 'processes'; workers: { pid: number; attempted: number; succeeded: number }[] }
      | { kind: 'http'; autocannon: { requests: number; '2xx': number; errors: number } };
  }[];
}

// Every process the run started is gone and the data directory is free again.
function expectNothingLeft(report: Report, dataDir: string): void {
  const pids = [report.loadProcesses.serve?.pid ?? 0, ...report.loadProcesses.workers];
  expect(pids.filter((pid) => pid > 0 && nodeHost.isAlive(pid))).toEqual([]);
  expect(existsSync(join(dataDir, LOCK_FILE_NAME))).toBe(false);
}

const stress = (args: string[]) => pgcache(['stress', '--json', ...args], { timeout: 90_000 });

describe('pgcache stress with its load from other processes', () => {
  it('--processes 2: a serve child and two workers; counts merge exactly; everything stops', async () => {
    const dataDir = copyTemplateDataDir();
    const targets = join(emptyDir(), 'targets.json');
    writeFileSync(
      targets,
      JSON.stringify({
        targets: [
          { id: 'writes', scenario: 'concurrent-writes', expr: 'successRate >= 100%' },
          { id: 'mixed', scenario: 'mixed', expr: 'successRate >= 100%', minSamples: 300 },
          { id: 'heap', scenario: 'memory', expr: 'heapGrowth < 50%' },
        ],
      }),
    );
    const run = await stress([
      '--processes',
      '2',
      '--targets',
      targets,
      '--ops',
      '300',
      '--keys',
      '200',
      '--data-dir',
      dataDir,
    ]);
    expect(run.exitCode, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(report).toMatchObject({ verdict: 'pass', loadSource: 'processes' });
    expect(report.loadProcesses.serve).toMatchObject({ startedByRun: true });
    expect(report.loadProcesses.workers).toHaveLength(2);
    // memory measures the process that runs the load: skipped, saying why, its target not judged.
    expect(report.skipped).toEqual([
      { id: 'memory', reason: expect.stringContaining('child processes'), targets: ['heap'] },
    ]);
    for (const scenario of report.scenarios) {
      expect(scenario).toMatchObject({ attempted: 300, succeeded: 300, successRate: 100 });
      if (scenario.remote.kind !== 'processes') throw new Error('expected worker figures');
      const workers = scenario.remote.workers;
      expect(workers.map((w) => w.pid).sort()).toEqual([...report.loadProcesses.workers].sort());
      expect(workers.reduce((n, w) => n + w.attempted, 0)).toBe(300);
      expect(workers.every((w) => w.attempted > 0)).toBe(true);
    }
    expect(report.scenarios.flatMap((s) => s.targets.map((t) => t.status))).toEqual([
      'pass',
      'pass',
    ]);
    expectNothingLeft(report, dataDir);
  }, 90_000);

  it('--processes 2 interrupted (SIGINT): the workers stop, the run cleans up, serve stops, exit 130', async () => {
    const dataDir = copyTemplateDataDir();
    const child = stress([
      '--processes',
      '2',
      '--scenario',
      'mixed',
      '--duration',
      '60s',
      '--data-dir',
      dataDir,
    ]);
    let stderr = '';
    await new Promise<void>((resolve) => {
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        // The scenario has started: serve and the workers are up.
        if (stderr.includes('1/1 mixed: starting')) resolve();
      });
    });
    child.kill('SIGINT');
    const run = await child;
    expect(run.exitCode).toBe(130);
    const report = JSON.parse(run.stdout) as Report;
    expect(report).toMatchObject({ verdict: 'interrupted', aborted: true });
    expect(report.scenarios[0]).toMatchObject({
      verdict: 'interrupted',
      load: { stoppedBy: 'aborted' },
    });
    expectNothingLeft(report, dataDir);
  }, 90_000);

  it('--http: autocannon against a serve child; responses judged by the same targets', async () => {
    const dataDir = copyTemplateDataDir();
    const run = await stress([
      '--http',
      '--scenario',
      'mixed',
      '--ops',
      '300',
      '--keys',
      '200',
      '--data-dir',
      dataDir,
    ]);
    expect(run.exitCode, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(report).toMatchObject({ verdict: 'pass', loadSource: 'http' });
    expect(report.loadProcesses).toMatchObject({ serve: { startedByRun: true }, workers: [] });
    const [mixed] = report.scenarios;
    expect(mixed).toMatchObject({ id: 'mixed', attempted: 300, succeeded: 300, verdict: 'pass' });
    // Every key was written before the load: every read is a 200, like every write.
    expect(mixed?.remote).toMatchObject({
      kind: 'http',
      autocannon: { requests: 300, '2xx': 300, errors: 0 },
    });
    expectNothingLeft(report, dataDir);
  }, 90_000);
});
