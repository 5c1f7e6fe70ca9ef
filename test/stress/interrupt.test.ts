import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderStressReport } from '../../src/cli/render/stress-report.js';
import type { StressReport } from '../../src/stress/report.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { runCli } from '../support/cli.js';
import { copyTemplateDataDir, emptyDir } from '../support/data-dir.js';
import { runTestDoctor } from '../support/doctor.js';
import { pgcache } from '../support/serve-process.js';

const PIPED = { interactive: false, color: false, columns: 0 } as const;

// The store as opened, except that its `set` calls `onSet` with how many sets there were so far.
function countingSets(store: Store, onSet: (n: number) => void): Store {
  let sets = 0;
  return new Proxy(store, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (prop === 'set') {
        return (...args: Parameters<Store['set']>) => {
          onSet((sets += 1));
          return target.set(...args);
        };
      }
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
}

describe('pgcache stress interrupted', () => {
  it('in-process (CliContext.signal): the scenario cut short is interrupted, its targets not judged, the rest not run; exit 130; stats and doctor say so', async () => {
    const dataDir = copyTemplateDataDir();
    const file = join(emptyDir(), 'targets.json');
    writeFileSync(
      file,
      JSON.stringify({
        targets: [
          { id: 'writes-ok', scenario: 'sequential-writes', expr: 'successRate >= 98%' },
          { id: 'writes-fast', scenario: 'sequential-writes', expr: 'p50 < 1ns' },
          { id: 'mixed-ok', scenario: 'mixed', expr: 'successRate >= 98%' },
        ],
      }),
    );
    const interrupt = new AbortController();
    // Ctrl-C lands during the 40th of 100 sequential writes: that one ends, no other starts.
    const run = await runCli(
      [
        'stress',
        '--targets',
        file,
        '--ops',
        '100',
        '--seed',
        '3',
        '--data-dir',
        dataDir,
        '--json',
        '--quiet',
      ],
      {
        signal: interrupt.signal,
        openStore: async (options) =>
          countingSets(await openStore(options), (n) => {
            if (n === 40) interrupt.abort(new Error('received SIGINT'));
          }),
      },
    );
    expect(run.exitCode).toBe(130);
    expect(run.error()).toMatchObject({ code: 'E_INTERRUPTED' });
    const report = run.json<StressReport>();
    expect(report).toMatchObject({
      verdict: 'interrupted',
      aborted: true,
      interrupted: {
        by: 'signal',
        during: 'sequential-writes',
        notRun: [{ id: 'mixed', targets: ['mixed-ok'] }],
      },
      summary: { targets: 3, passed: 0, failed: 0, insufficient: 0, notJudged: 3 },
      cleanup: { kept: false, error: null, reclaim: { how: 'vacuum+checkpoint' } },
    });
    const [writes] = report.scenarios;
    expect(report.scenarios).toHaveLength(1);
    expect(writes).toMatchObject({
      id: 'sequential-writes',
      verdict: 'interrupted',
      attempted: 40,
    });
    // The figures measured before the interruption are kept; nothing is judged on them.
    expect(writes?.targets.map((t) => [t.id, t.status, t.actual])).toEqual([
      ['writes-ok', 'not-judged', 100],
      ['writes-fast', 'not-judged', expect.any(Number)],
    ]);

    const text = renderStressReport(report, PIPED);
    expect(text).toContain('\tsuccessRate >= 98% → 100%\t');
    expect(text).toMatch(/\tnot judged\t/);
    expect(text).toContain('sequential-writes: interrupted after ');
    expect(text).toMatch(
      /\nINTERRUPTED by a signal \(Ctrl-C\) during sequential-writes, before 1 more scenario: 0 of 3 targets met, 0 missed, 3 not judged \(profile custom/,
    );
    expect(text).not.toContain('FAIL');

    const stats = await runCli(['stats', '--data-dir', dataDir]);
    expect(stats.stdout).toMatch(/last stress run:\s+interrupted /);
    const doctor = await runTestDoctor(dataDir, { checks: ['last-stress'] });
    expect(doctor.check('last-stress')).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(
        /^the last stress run was interrupted .*: its targets were not all judged$/,
      ),
      fix: 'Run `pgcache stress` again and let it run to its end.',
    });
  }, 60_000);

  it('a real SIGINT to the bin: the running scenario is interrupted, the next is not run, exit 130', async () => {
    const dataDir = copyTemplateDataDir();
    const child = pgcache(
      [
        'stress',
        '--scenario',
        'memory',
        'no-leaks',
        '--duration',
        '60s',
        '--data-dir',
        dataDir,
        '--json',
      ],
      { timeout: 90_000 },
    );
    let stderr = '';
    await new Promise<void>((resolve) => {
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        // Once a scenario has started, an interruption ends it rather than preventing it.
        if (stderr.includes('1/2 memory: starting')) resolve();
      });
    });
    child.kill('SIGINT');
    const run = await child;
    expect(run.exitCode).toBe(130);
    const report = JSON.parse(run.stdout) as StressReport;
    expect(report).toMatchObject({
      verdict: 'interrupted',
      interrupted: {
        by: 'signal',
        during: 'memory',
        notRun: [{ id: 'no-leaks', targets: ['no-leaked-handles'] }],
      },
      summary: { targets: 3, passed: 0, notJudged: 3 },
    });
    expect(report.scenarios.map((s) => [s.id, s.verdict, s.targets.map((t) => t.status)])).toEqual([
      ['memory', 'interrupted', ['not-judged', 'not-judged']],
    ]);
    expect(run.stderr).toMatch(/\binterrupted memory: /);
  }, 90_000);
});
