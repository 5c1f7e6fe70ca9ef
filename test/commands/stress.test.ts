import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyTemplateDataDir, emptyDir } from '../support/data-dir.js';
import { runCli } from '../support/cli.js';
import { POSTGRES_SKIP_REASON, createTestSchema } from '../support/postgres.js';

interface JsonReport {
  schemaVersion: number;
  verdict: string;
  profile: string;
  scenarios: {
    id: string;
    attempted: number;
    succeeded: number;
    failed: number;
    successRate: number;
    latencyMs: Record<string, number>;
    errors: Record<string, number>;
    metrics: Record<string, { value: number | null }>;
    targets: {
      id: string;
      metric: string;
      comparator: string;
      value: number;
      actual: number | null;
      status: string;
      source: string;
    }[];
  }[];
}

describe('pgcache stress', () => {
  it('--list names every scenario with what it does and its source (--json contract)', async () => {
    const run = await runCli(['stress', '--list', '--json']);
    expect(run.exitCode).toBe(0);
    const { schemaVersion, scenarios } = run.json<{
      schemaVersion: number;
      scenarios: Record<string, string>[];
    }>();
    expect(schemaVersion).toBe(1);
    expect(scenarios.map((s) => s.id)).toEqual(
      expect.arrayContaining([
        'sequential-writes',
        'burst',
        'breaker-recovery',
        'memory',
        'no-leaks',
        'crash-recovery',
      ]),
    );
    for (const s of scenarios) expect(Object.keys(s)).toEqual(['id', 'description', 'source']);
    expect((await runCli(['stress', '--list'])).stdout).toMatch(
      /^id\tdescription\tsource\nsequential-writes\t100 writes/,
    );
  });

  it('refuses load combinations that make no sense (exit 2) before anything is opened or started', async () => {
    const dir = emptyDir();
    const dataDir = join(dir, 'never');
    const memoryOnly = join(dir, 'memory.json');
    writeFileSync(
      memoryOnly,
      JSON.stringify({ targets: [{ id: 'm', scenario: 'memory', expr: 'rssGrowth < 10%' }] }),
    );
    const cases: [string[], RegExp][] = [
      [['--processes', '2', '--http'], /--processes and --http cannot be used together/],
      [['--http', '--rate', '100/s'], /--rate cannot be used with --http/],
      [
        ['--processes', '2', '--scenario', 'mixed', 'memory'],
        /^memory cannot run with --processes 2: it measures/,
      ],
      [['--http', '--scenario', 'queue-wait'], /^queue-wait cannot run with --http: through HTTP/],
      [
        ['--processes', '2', '--targets', memoryOnly],
        /none of the scenarios of these targets can run/,
      ],
      [['--processes', '0'], /"0" is not a whole number from 1 to 64/],
    ];
    for (const [argv, message] of cases) {
      const run = await runCli(['stress', ...argv, '--data-dir', dataDir, '--json']);
      expect(run.exitCode, argv.join(' ')).toBe(2);
      expect(run.error().message, argv.join(' ')).toMatch(message);
    }
    expect(existsSync(dataDir)).toBe(false);
  });

  it('exit 2 for a malformed targets file, an unknown scenario or profile, and no store is touched', async () => {
    const dir = emptyDir();
    const dataDir = join(dir, 'never');
    const file = join(dir, 'targets.json');
    writeFileSync(
      file,
      JSON.stringify({ targets: [{ id: 'fast', scenario: 'mixed', expr: 'p95 < 50' }] }),
    );
    const bare = await runCli(['stress', '--targets', file, '--data-dir', dataDir, '--json']);
    expect(bare.exitCode).toBe(2);
    expect(bare.error()).toMatchObject({
      code: 'E_INVALID_TARGETS',
      message: expect.stringContaining('target 1 ("fast"): "p95 < 50": 50 has no unit'),
    });
    writeFileSync(
      file,
      JSON.stringify({ targets: [{ id: 'x', scenario: 'mixed', expr: 'p77 < 5ms' }] }),
    );
    expect(
      (await runCli(['stress', '--targets', file, '--data-dir', dataDir, '--json'])).error()
        .message,
    ).toMatch(/unknown metric "p77"/);
    for (const argv of [
      ['--scenario', 'nope'],
      ['--profile', 'lenient'],
      ['--targets', join(dir, 'missing.json')],
      ['--rate', 'fast'],
      ['--profile', 'strict', '--targets', file],
    ]) {
      const run = await runCli(['stress', ...argv, '--data-dir', dataDir]);
      expect(run.exitCode, argv.join(' ')).toBe(2);
    }
    expect(existsSync(dataDir)).toBe(false);
  });

  it('a target that cannot be met exits 1 and names it; --json, --junit and --markdown are valid', async () => {
    const dir = emptyDir();
    const file = join(dir, 'targets.json');
    writeFileSync(
      file,
      JSON.stringify({
        targets: [
          {
            id: 'writes-ok',
            scenario: 'sequential-writes',
            expr: 'successRate >= 99%',
            minSamples: 10,
          },
          {
            id: 'too-fast',
            scenario: 'sequential-writes',
            expr: 'p50 < 1ns',
            source: 'wishful thinking',
          },
          { id: 'not-enough', scenario: 'sequential-reads', expr: 'p95 < 1s', minSamples: 1000 },
        ],
      }),
    );
    const run = await runCli(
      [
        'stress',
        '--targets',
        'targets.json',
        '--ops',
        '12',
        '--data-dir',
        copyTemplateDataDir(),
        '--json',
        '--junit',
        'out/../junit.xml',
        '--markdown',
        'summary.md',
        '--seed',
        '7',
      ],
      { cwd: dir },
    );
    expect(run.exitCode).toBe(1);
    const report = run.json<JsonReport>();
    expect(report).toMatchObject({
      schemaVersion: 1,
      verdict: 'fail',
      profile: 'custom (targets.json)',
    });
    const [writes, reads] = report.scenarios;
    expect(writes).toMatchObject({
      id: 'sequential-writes',
      attempted: 12,
      succeeded: 12,
      failed: 0,
      successRate: 100,
      errors: {},
    });
    expect(Object.keys(writes?.latencyMs ?? {})).toEqual(
      expect.arrayContaining(['p50', 'p95', 'p99', 'max', 'mean']),
    );
    expect(writes?.targets).toEqual([
      expect.objectContaining({
        id: 'writes-ok',
        metric: 'successRate',
        comparator: '>=',
        value: 99,
        actual: 100,
        status: 'pass',
        source: 'targets.json',
      }),
      expect.objectContaining({
        id: 'too-fast',
        metric: 'p50',
        comparator: '<',
        value: 1e-6,
        status: 'fail',
        source: 'wishful thinking',
      }),
    ]);
    expect(reads?.targets[0]).toMatchObject({
      id: 'not-enough',
      status: 'insufficient',
      actual: expect.any(Number),
    });

    const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(junit).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites [^>]*tests="3" failures="2"/,
    );
    expect(junit.match(/<testcase /g)).toHaveLength(3);
    expect(junit).toContain('<failure type="fail" message="FAIL: p50 &lt; 1ns');
    expect(junit).toContain('<failure type="insufficient"');
    // Minimal well-formedness: every element that opens, closes, in order.
    const stack: string[] = [];
    for (const [, close, name, selfClosing] of junit.matchAll(/<(\/?)([a-z]+)[^>]*?(\/?)>/g)) {
      if (close === '/') expect(stack.pop()).toBe(name);
      else if (selfClosing !== '/') stack.push(name ?? '');
    }
    expect(stack).toEqual([]);

    const markdown = readFileSync(join(dir, 'summary.md'), 'utf8');
    expect(markdown).toMatch(/^## pgcache stress: FAIL\n\nFAIL: 2 of 3 targets missed/);
    expect(markdown).toContain(
      '| scenario | ops | ok | failed | top errors | success % | target | p50 | p95 | p99 | verdict | source |',
    );
    expect(markdown).toMatch(
      /\| sequential-writes \| 12 \| 12 \| 0 \| – \| 100% \| successRate >= 99% → 100% \|/,
    );
  }, 60_000);

  it('exit 0 when every target is met: the table, and `stats` shows the verdict', async () => {
    const dataDir = copyTemplateDataDir();
    const dir = emptyDir();
    const file = join(dir, 't.json');
    writeFileSync(
      file,
      JSON.stringify({ targets: [{ id: 'ok', scenario: 'mixed', expr: 'successRate >= 98%' }] }),
    );
    const run = await runCli(['stress', '--targets', file, '--ops', '50', '--data-dir', dataDir], {
      tty: true,
      env: { NO_COLOR: '1' },
    });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/│ scenario │ ops │ ok/);
    expect(run.stdout).toMatch(/mixed: latency of 50 successful operations/);
    expect(run.stdout).toMatch(/<= [\d.]+m?s \|#+ +\d+/);
    expect(run.stdout).toMatch(
      /PASS: 1 of 1 targets met \(profile custom \(.*t\.json\), .*seed \d+; repeat with --seed \d+\)/,
    );
    expect(run.stderr).toMatch(/^stress run \S+: profile custom/);
    const stats = await runCli(['stats', '--data-dir', dataDir]);
    expect(stats.stdout).toMatch(/last stress run:\s+pass /);
  }, 60_000);

  it('says why operations failed: the top error codes in the table, the Markdown summary and JUnit', async () => {
    const dir = emptyDir();
    const run = await runCli(
      ['stress', '--scenario', 'burst', '--data-dir', copyTemplateDataDir(), '--quiet'].concat([
        '--junit',
        'junit.xml',
        '--markdown',
        'summary.md',
      ]),
      { cwd: dir },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    // 300 calls against a queue of 2 + 16 per lane: most are turned away as the queue is full.
    const row = run.stdout.split('\n').find((line) => line.startsWith('burst\t'));
    expect(row?.split('\t')[4]).toMatch(/^E_QUEUE_FULL \d+/);
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toMatch(
      /\| burst \| 300 \| \d+ \| \d+ \| E_QUEUE_FULL \d+/,
    );
    const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<properties>\n\s+<property name="errors\.E_QUEUE_FULL" value="\d+"\/>/);
  }, 60_000);

  describe.skipIf(POSTGRES_SKIP_REASON !== undefined)('against a PostgreSQL server', () => {
    let schema: Awaited<ReturnType<typeof createTestSchema>>;
    beforeAll(async () => {
      schema = await createTestSchema();
      expect((await runCli(['init', '--database-url', schema.url])).exitCode).toBe(0);
    });
    afterAll(() => schema.drop());

    it('runs the same scenarios against a PostgreSQL server (--database-url)', async () => {
      const run = await runCli([
        'stress',
        '--database-url',
        schema.url,
        '--scenario',
        'sequential-writes',
        'burst',
        '--json',
      ]);
      expect(run.exitCode).toBe(0);
      const report = run.json<JsonReport & { backend: { kind: string } }>();
      expect(report.backend.kind).toBe('wire');
      expect(report.scenarios.map((s) => [s.id, s.attempted])).toEqual([
        ['sequential-writes', 100],
        ['burst', 300],
      ]);
    }, 60_000);

    it('--processes 2 on a PostgreSQL server: the workers reach the server themselves (no serve)', async () => {
      const run = await runCli([
        'stress',
        '--database-url',
        schema.url,
        '--processes',
        '2',
        '--scenario',
        'concurrent-writes',
        '--json',
      ]);
      expect(run.exitCode, run.stderr).toBe(0);
      const report = run.json<
        JsonReport & {
          loadSource: string;
          loadProcesses: { serve: unknown; workers: number[] };
          scenarios: { remote: { workers: { attempted: number }[] } }[];
        }
      >();
      expect(report.loadSource).toBe('processes');
      expect(report.loadProcesses.serve).toBeNull();
      expect(report.loadProcesses.workers).toHaveLength(2);
      const [writes] = report.scenarios;
      expect(writes).toMatchObject({ attempted: 100, succeeded: 100, verdict: 'pass' });
      expect(writes?.remote.workers.map((w) => w.attempted)).toEqual([50, 50]);
    }, 60_000);
  });
});
