import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { assertValidConfig, loadConfig } from '../../src/config/load-config.js';
import { openHandleCount } from '../../src/db/handle-registry.js';
import { nodeHost } from '../../src/platform/host.js';
import type { StressEvent } from '../../src/stress/events.js';
import { InProcessSource } from '../../src/stress/load/in-process-source.js';
import { EXPLICIT_REJECTIONS } from '../../src/stress/load/recorder.js';
import { planStress } from '../../src/stress/plan.js';
import { runStress } from '../../src/stress/run-stress.js';
import { scenarioMetrics } from '../../src/stress/scenarios/index.js';
import { parseTargets } from '../../src/stress/judging/targets.js';
import { openStore } from '../../src/store/open-store.js';
import { copyTemplateDataDir } from '../support/data-dir.js';

const targets = (list: [string, string, string][]) =>
  parseTargets(
    JSON.stringify({ targets: list.map(([id, scenario, expr]) => ({ id, scenario, expr })) }),
    { origin: 'test', profile: 'test', scenarios: scenarioMetrics() },
  );

const configOn = (dataDir: string) =>
  assertValidConfig(
    loadConfig({
      cwd: '.',
      overrides: { dataDir },
      readConfigFile: false,
      commandTimeoutMs: 600_000,
    }),
  );

const sourceOn = (dataDir: string) =>
  new InProcessSource({ config: configOn(dataDir), openStore, clock: systemClock });

// The in-process plan of `targets` (no serve can be in the way of an in-process load).
const planOf = (list: [string, string, string][]) =>
  planStress({ targets: targets(list) }, { config: configOn('unused'), host: nodeHost });

describe('runStress against a real PGlite store', () => {
  const dataDir = copyTemplateDataDir();
  afterAll(() => expect(openHandleCount()).toBe(0));

  it('runs the scenarios its targets name, judges them, deletes its keys and records the verdict', async () => {
    const events: StressEvent['type'][] = [];
    const report = await runStress(
      {
        plan: planOf([
          ['writes-ok', 'sequential-writes', 'successRate >= 100%'],
          ['burst-explicit', 'burst', 'unexplainedErrors <= 0'],
          ['burst-healthy', 'burst', 'healthy >= 1'],
          ['recovers', 'breaker-recovery', 'recovery < 60s'],
          ['no-leaks', 'no-leaks', 'leaks <= 0'],
          ['heap', 'memory', 'heapGrowth < 1000%'],
          ['impossible', 'sequential-writes', 'p50 < 1ns'],
        ]),
        seed: 42,
        overrides: { ops: 30, warmupMs: 100 },
      },
      {
        source: sourceOn(dataDir),
        clock: systemClock,
        probe: nodeHost,
        onEvent: (event) => events.push(event.type),
      },
    );
    expect(report.scenarios.map((s) => s.id)).toEqual([
      'sequential-writes',
      'memory',
      'burst',
      'breaker-recovery',
      'no-leaks',
    ]);
    expect(events[0]).toBe('start');
    expect(events.filter((e) => e === 'scenario-done')).toHaveLength(5);
    expect(events.at(-1)).toBe('done');

    const [writes, memory, burst, breaker, leaks] = report.scenarios;
    expect(writes).toMatchObject({
      attempted: 30,
      succeeded: 30,
      failed: 0,
      successRate: 100,
      errors: {},
    });
    expect(writes?.latencyMs.count).toBe(30);
    expect(writes?.targets.map((t) => [t.id, t.status])).toEqual([
      ['writes-ok', 'pass'],
      ['impossible', 'fail'],
    ]);

    // Far beyond the queue: failures happen, and every one is an explicit rejection.
    expect(burst?.attempted).toBe(300);
    expect(burst?.failed).toBeGreaterThan(0);
    expect(Object.keys(burst?.errors ?? {}).every((code) => EXPLICIT_REJECTIONS.has(code))).toBe(
      true,
    );
    expect(burst?.verdict).toBe('pass');

    // The breaker opened, and closed again once the faults stopped, in every round.
    expect(breaker?.metrics['recovery']?.value).toBeGreaterThan(0);
    expect(breaker?.metrics['recovery']?.samples).toBe(3);
    expect(breaker?.errors['E_CIRCUIT_OPEN']).toBeGreaterThanOrEqual(3);
    expect(breaker?.errors['E_DATABASE_BUSY']).toBe(15);
    expect(breaker?.notes.at(-1)).toMatch(/breaker closed at the end/);

    expect(memory?.metrics['heapGrowth']?.samples).toBe(30);
    expect(leaks?.metrics['leaks']).toEqual({ value: 0, kind: 'count', samples: 1 });

    expect(report).toMatchObject({
      verdict: 'fail',
      profile: 'test',
      seed: 42,
      aborted: false,
      loadSource: 'in-process',
    });
    expect(report.summary).toEqual({
      targets: 7,
      passed: 6,
      failed: 1,
      insufficient: 0,
      notJudged: 0,
    });
    expect(report.cleanup.deletedKeys).toBeGreaterThan(0);

    const store = await openStore({ dataDir });
    try {
      expect(await store.list({ prefix: 'stress:' })).toEqual([]);
      expect((await store.stats()).lastStress).toMatchObject({
        verdict: 'fail',
        runId: report.runId,
        missed: ['impossible'],
      });
      expect((await store.stats()).breakers).toEqual([
        expect.objectContaining({ state: 'closed' }),
      ]);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('noisy-neighbour: the quiet namespace is measured alone and beside a noisy one held to its rate limit', async () => {
    const report = await runStress(
      {
        plan: planOf([
          ['quiet-p95', 'noisy-neighbour', 'p95 < 60s'],
          ['throttled', 'noisy-neighbour', 'noisy.rateLimited >= 1'],
          ['explained', 'noisy-neighbour', 'noisy.unexplainedErrors <= 0'],
        ]),
        seed: 7,
        overrides: { ops: 30 },
      },
      { source: sourceOn(dataDir), clock: systemClock, probe: nodeHost },
    );
    const [scenario] = report.scenarios;
    // The table's figures are the quiet namespace's reads; the noisy one's rejections are not its failures.
    expect(scenario).toMatchObject({
      id: 'noisy-neighbour',
      attempted: 30,
      succeeded: 30,
      errors: {},
      verdict: 'pass',
    });
    expect(scenario?.byOperation.write.count).toBe(0);
    expect(scenario?.metrics['quietAlone.p95']).toMatchObject({ kind: 'time', samples: 30 });
    expect(scenario?.metrics['noisy.rateLimited']?.value).toBeGreaterThan(0);
    expect(scenario?.metrics['noisy.overQuota']).toMatchObject({ kind: 'count' });
    expect(scenario?.notes.join('\n')).toMatch(
      /noisy namespace \(50\/s, burst 10, quota 25 entries\)/,
    );
    const store = await openStore({ dataDir });
    try {
      const left = await store.list({ namespace: 'stress-noisy', includeExpired: true });
      expect([left, await store.list({ namespace: 'stress-quiet' })]).toEqual([[], []]);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('a run interrupted before its first scenario is interrupted: nothing judged, nothing run', async () => {
    const abort = new AbortController();
    abort.abort();
    const report = await runStress(
      { plan: planOf([['w', 'sequential-writes', 'successRate >= 0%']]), seed: 1, keep: true },
      {
        source: sourceOn(dataDir),
        clock: systemClock,
        probe: nodeHost,
        signal: abort.signal,
      },
    );
    expect(report).toMatchObject({
      verdict: 'interrupted',
      aborted: true,
      interrupted: {
        by: 'signal',
        during: null,
        notRun: [{ id: 'sequential-writes', targets: ['w'] }],
      },
      scenarios: [],
      summary: { targets: 1, passed: 0, failed: 0, insufficient: 0, notJudged: 1 },
      cleanup: { kept: true },
    });
  });
});
