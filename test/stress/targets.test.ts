import { describe, expect, it } from 'vitest';
import { compare, evaluateTarget } from '../../src/stress/judging/evaluate.js';
import type { MetricValue } from '../../src/stress/judging/metrics.js';
import { loadProfile, PROFILES } from '../../src/stress/judging/profiles.js';
import { scenarioMetrics, SCENARIOS } from '../../src/stress/scenarios/index.js';
import { parseTargets, parseTargetExpr, type Target } from '../../src/stress/judging/targets.js';

const parse = (doc: unknown) =>
  parseTargets(JSON.stringify(doc), {
    origin: 'mine.json',
    profile: 'custom',
    scenarios: scenarioMetrics(),
  });
const one = (expr: string, extra: Record<string, unknown> = {}) =>
  parse({ targets: [{ id: 't', scenario: 'mixed', expr, ...extra }] }).targets[0] as Target;

describe('targets: parsing', () => {
  it('reads the example of the issue, with defaults for source and minSamples', () => {
    const set = parse({
      targets: [
        { id: 'reads-fast', scenario: 'sequential-reads', expr: 'p95 < 50ms' },
        {
          id: 'writes-ok',
          scenario: 'concurrent-writes',
          expr: 'successRate >= 99%',
          minSamples: 20,
        },
      ],
    });
    expect(set).toEqual({
      profile: 'custom',
      description: undefined,
      targets: [
        {
          id: 'reads-fast',
          scenario: 'sequential-reads',
          expr: 'p95 < 50ms',
          metric: 'p95',
          kind: 'time',
          comparator: '<',
          value: 50,
          minSamples: 1,
          source: 'mine.json',
        },
        {
          id: 'writes-ok',
          scenario: 'concurrent-writes',
          expr: 'successRate >= 99%',
          metric: 'successRate',
          kind: 'percent',
          comparator: '>=',
          value: 99,
          minSamples: 20,
          source: 'mine.json',
        },
      ],
    });
  });

  it('converts every time unit to milliseconds and knows each metric kind', () => {
    expect(one('p50 < 250ns').value).toBeCloseTo(0.00025);
    expect(one('p90 < 250us').value).toBeCloseTo(0.25);
    expect(one('p99 < 250µs').value).toBeCloseTo(0.25);
    expect(one('p999 <= 2s').value).toBe(2000);
    expect(one('max < 1.5ms').value).toBe(1.5);
    expect(one('read.mean < 3ms')).toMatchObject({ metric: 'read.mean', kind: 'time', value: 3 });
    expect(one('throughput > 500ops/s')).toMatchObject({
      kind: 'rate',
      value: 500,
      comparator: '>',
    });
    expect(one('throughput >= 500 /s')).toMatchObject({ kind: 'rate', value: 500 });
    expect(one('errors <= 3')).toMatchObject({ kind: 'count', value: 3, comparator: '<=' });
  });

  it('refuses a bare number where a unit is needed, and a unit on a count (exit 2, naming the target)', () => {
    for (const [expr, message] of [
      ['p95 < 50', '50 has no unit; p95 needs one of ns, us, ms, s'],
      ['successRate >= 99', '99 has no unit; successRate needs one of %'],
      ['throughput > 100', '100 has no unit; throughput needs one of ops/s, /s'],
      ['p95 < 50%', '"%" is not a unit of p95'],
      ['errors < 3ms', 'errors is a count and takes a plain number'],
    ] as const) {
      expect(() => one(expr), expr).toThrow(
        expect.objectContaining({
          code: 'E_INVALID_TARGETS',
          exitCode: 2,
          message: expect.stringContaining(message),
        }),
      );
    }
    expect(() => one('p95 < 50')).toThrow(/^mine\.json: target 1 \("t"\): /);
  });

  it('refuses unknown metrics, scenarios, keys, duplicate ids and bad documents', () => {
    const bad = (doc: unknown, message: RegExp) =>
      expect(() => parse(doc)).toThrow(
        expect.objectContaining({
          code: 'E_INVALID_TARGETS',
          message: expect.stringMatching(message),
        }),
      );
    bad({ targets: [{ id: 'a', scenario: 'mixed', expr: 'p42 < 1ms' }] }, /unknown metric "p42"/);
    bad(
      { targets: [{ id: 'a', scenario: 'mixed', expr: 'recovery < 1s' }] },
      /unknown metric "recovery" for this scenario/,
    );
    bad({ targets: [{ id: 'a', scenario: 'nope', expr: 'p95 < 1ms' }] }, /unknown scenario "nope"/);
    bad(
      { targets: [{ id: 'a', scenario: 'mixed', expr: 'p95 < 1ms', minSample: 3 }] },
      /unknown key "minSample"/,
    );
    bad(
      { targets: [{ id: 'a', scenario: 'mixed', expr: 'p95 < 1ms', minSamples: 0 }] },
      /"minSamples" must be a whole number/,
    );
    bad(
      { targets: [{ id: 'a', scenario: 'mixed', expr: 'p95 = 1ms' }] },
      /is not "metric comparator value"/,
    );
    bad(
      {
        targets: [
          { id: 'a', scenario: 'mixed', expr: 'p95 < 1ms' },
          { id: 'a', scenario: 'mixed', expr: 'p99 < 1ms' },
        ],
      },
      /the id "a" is used twice/,
    );
    bad({ targets: [] }, /"targets" must be a non-empty array/);
    bad({ target: [] }, /unknown key "target"/);
    expect(() =>
      parseTargets('{"targets": [', {
        origin: 'x.json',
        profile: 'p',
        scenarios: scenarioMetrics(),
      }),
    ).toThrow(/x\.json: not valid JSON/);
  });

  it('lets a scenario name its own metrics', () => {
    expect(parseTargetExpr('recovery < 60s', { recovery: 'time' })).toMatchObject({
      metric: 'recovery',
      value: 60_000,
    });
    expect(parseTargetExpr('queueWait.p95 < 100ms', { 'queueWait.p95': 'time' })).toMatchObject({
      value: 100,
    });
    expect(parseTargetExpr('leaks <= 0', {})).toMatch(/unknown metric "leaks"/);
  });

  it('ships the seed and strict profiles: every target parses, has a source and a known scenario', () => {
    for (const name of PROFILES) {
      const set = loadProfile(name);
      expect(set.profile).toBe(name);
      for (const target of set.targets) {
        expect(target.source, target.id).not.toBe(`${name} profile`);
        expect(SCENARIOS.map((s) => s.id)).toContain(target.scenario);
      }
    }
    const seed = loadProfile('seed').targets.map((t) => `${t.scenario}: ${t.expr}`);
    expect(seed).toEqual(
      expect.arrayContaining([
        'sequential-writes: successRate >= 98%',
        'sequential-writes: duration < 30s',
        'concurrent-writes: successRate >= 90%',
        'sequential-reads: successRate >= 98%',
        'sequential-reads: duration < 5s',
        'mixed: successRate >= 98%',
        'mixed: mean < 100ms',
        'queue-wait: queueWait.p95 < 100ms',
        'breaker-recovery: recovery < 60s',
        'memory: rssGrowth < 10%',
        'twenty-users: p95 < 100ms',
        'noisy-neighbour: p95 < 100ms',
      ]),
    );
  });
});

describe('targets: evaluation', () => {
  const table = (entries: Record<string, MetricValue>) => new Map(Object.entries(entries));

  it('every comparator, at and around its bound', () => {
    expect([compare(1, '<', 2), compare(2, '<', 2), compare(3, '<', 2)]).toEqual([
      true,
      false,
      false,
    ]);
    expect([compare(1, '<=', 2), compare(2, '<=', 2), compare(3, '<=', 2)]).toEqual([
      true,
      true,
      false,
    ]);
    expect([compare(1, '>', 2), compare(2, '>', 2), compare(3, '>', 2)]).toEqual([
      false,
      false,
      true,
    ]);
    expect([compare(1, '>=', 2), compare(2, '>=', 2), compare(3, '>=', 2)]).toEqual([
      false,
      true,
      true,
    ]);
  });

  it('passes or fails on the measured value, in the same unit as the bound', () => {
    const metrics = table({
      p95: { value: 0.4, samples: 100 },
      successRate: { value: 97.5, samples: 100 },
    });
    expect(evaluateTarget(one('p95 < 500us'), metrics)).toMatchObject({
      status: 'pass',
      actual: 0.4,
      value: 0.5,
      unit: 'ms',
    });
    expect(evaluateTarget(one('p95 < 0.3ms'), metrics)).toMatchObject({
      status: 'fail',
      actual: 0.4,
    });
    expect(evaluateTarget(one('successRate >= 98%'), metrics)).toEqual({
      id: 't',
      metric: 'successRate',
      comparator: '>=',
      value: 98,
      actual: 97.5,
      status: 'fail',
      source: 'mine.json',
      description: null,
      expr: 'successRate >= 98%',
      unit: '%',
      samples: 100,
      minSamples: 1,
    });
  });

  it('is insufficient, never a pass, with fewer samples than asked, none at all, or no value', () => {
    const few = table({ p95: { value: 1, samples: 19 } });
    expect(evaluateTarget(one('p95 < 50ms', { minSamples: 20 }), few)).toMatchObject({
      status: 'insufficient',
      actual: 1,
      samples: 19,
      minSamples: 20,
    });
    expect(
      evaluateTarget(one('p95 < 50ms'), table({ p95: { value: 0, samples: 0 } })),
    ).toMatchObject({ status: 'insufficient' });
    expect(evaluateTarget(one('p95 < 50ms'), table({}))).toMatchObject({
      status: 'insufficient',
      actual: null,
      samples: 0,
    });
    expect(
      evaluateTarget(one('mean < 1ms'), table({ mean: { value: Number.NaN, samples: 5 } })),
    ).toMatchObject({
      status: 'insufficient',
      actual: null,
    });
  });
});
