import type { LoadShape } from '../load/load-model.js';
import {
  preload,
  type LoadOverrides,
  type ScenarioContext,
  type ScenarioDefinition,
  type ScenarioOutcome,
} from './scenario.js';
import type { WorkloadOptions } from '../load/workload.js';

/** A scenario that offers a read/write workload to the shared store. */
interface WorkloadSpec {
  readonly id: string;
  readonly description: string;
  readonly source: string;
  readonly shape: LoadShape;
  readonly mix: WorkloadOptions;
  /** Write every key before measuring, so reads find something. @default false */
  readonly preload?: boolean;
  readonly tunable: readonly (keyof LoadOverrides)[];
}

const ALL: readonly (keyof LoadOverrides)[] = [
  'concurrency',
  'ratePerSec',
  'ops',
  'durationMs',
  'warmupMs',
];
// Sequential scenarios keep one caller: only their length may change.
const LENGTH: readonly (keyof LoadOverrides)[] = ['ops', 'durationMs', 'warmupMs'];

/** Offer `spec`'s workload to the shared store and record it. */
export async function runWorkload(
  ctx: ScenarioContext,
  spec: Pick<WorkloadSpec, 'shape' | 'mix' | 'preload'>,
): Promise<ScenarioOutcome> {
  const client = await ctx.source.client();
  const workload = ctx.workload(spec.mix);
  if (spec.preload === true) await preload(client, workload);
  const load = ctx.load(spec.shape);
  const stoppedBy = await ctx.driveWorkload(load, workload, client);
  return { load, stoppedBy };
}

function workloadScenario(spec: WorkloadSpec): ScenarioDefinition {
  return {
    id: spec.id,
    description: spec.description,
    source: spec.source,
    extras: {},
    tunable: spec.tunable,
    run: (ctx) => runWorkload(ctx, spec),
  };
}

const closed = (concurrency: number, ops: number): LoadShape => ({
  model: 'closed',
  concurrency,
  ops,
});

/** The seeds' load scenarios, all on the shared store with its configured settings. */
export const WORKLOAD_SCENARIOS: readonly ScenarioDefinition[] = [
  workloadScenario({
    id: 'sequential-writes',
    description: '100 writes, one at a time',
    source: 'seed 003 Testing Plan, test 1 (was 70% with TimeoutError)',
    shape: closed(1, 100),
    mix: { keys: 100, readRatio: 0, distribution: 'uniform' },
    tunable: LENGTH,
  }),
  workloadScenario({
    id: 'concurrent-writes',
    description: 'writes 20 at once (100 in all)',
    source: 'seed 003 Testing Plan, test 2 (was 60% with SQLITE_BUSY)',
    shape: closed(20, 100),
    mix: { keys: 100, readRatio: 0, distribution: 'uniform' },
    tunable: ALL,
  }),
  workloadScenario({
    id: 'sequential-reads',
    description: '100 reads of written keys, one at a time',
    source: 'seed 003 Testing Plan, test 3 (was 48% with TimeoutError)',
    shape: closed(1, 100),
    mix: { keys: 100, readRatio: 1, distribution: 'uniform' },
    preload: true,
    tunable: LENGTH,
  }),
  workloadScenario({
    id: 'mixed',
    description:
      '80% reads / 20% writes on 1,000 zipf-distributed keys, 10 callers, 2,000 operations',
    source: 'seed 003 Testing Plan, test 4, and Expected Outcomes (avg response was 320ms)',
    shape: closed(10, 2000),
    mix: { keys: 1000, readRatio: 0.8 },
    preload: true,
    tunable: ALL,
  }),
  workloadScenario({
    id: 'concurrent-reads',
    description: '50 concurrent readers, 1,000 reads',
    source: "seed 000 stress scenarios ('50 concurrent component reads')",
    shape: closed(50, 1000),
    mix: { keys: 1000, readRatio: 1 },
    preload: true,
    tunable: ALL,
  }),
  workloadScenario({
    id: 'concurrent-mixed',
    description: '25 concurrent callers, half reads and half writes, 1,000 operations',
    source: "seed 000 stress scenarios ('25 concurrent mixed operations')",
    shape: closed(25, 1000),
    mix: { keys: 1000, readRatio: 0.5 },
    preload: true,
    tunable: ALL,
  }),
  workloadScenario({
    id: 'twenty-users',
    description: '20 concurrent users, 80% reads, 2,000 operations',
    source: 'seed 002 Performance Targets, immediate goals (20 users, p95 < 100ms)',
    shape: closed(20, 2000),
    mix: { keys: 1000, readRatio: 0.8 },
    preload: true,
    tunable: ALL,
  }),
  workloadScenario({
    id: 'thousand-concurrent',
    description: '1,000 concurrent callers, 80% reads, 5,000 operations (default queue settings)',
    source: "our own bar (seed 002's long-term 1000+ users; seed 001's 100+ concurrent operations)",
    shape: closed(1000, 5000),
    mix: { keys: 1000, readRatio: 0.8 },
    preload: true,
    tunable: ALL,
  }),
];
