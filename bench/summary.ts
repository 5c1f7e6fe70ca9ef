// From raw samples to the figures the table and `--json` show: medians of rounds, ratios
// against the fastest case of the same group and against the case's floor, and the targets.
import { FLOOR_CASE, type Floor } from './case.js';
import type { StartupResult } from './startup.js';
import { median } from './support.js';
import type { Operation, Sample } from './workload.js';

/** How one case did in one group (operation × concurrency), or why it did not run. */
export type CaseResult =
  | {
      readonly case: string;
      readonly status: 'ok';
      /** Median of the rounds' figures. */
      readonly opsPerSec: number;
      readonly p50Ns: number;
      readonly p99Ns: number;
      /** Time per operation as a multiple of the fastest case's in this group. */
      readonly xFastest: number;
      /** The floor compared with, and time per operation as a multiple of its. */
      readonly floor: Floor;
      readonly xFloor: number | null;
    }
  | { readonly case: string; readonly status: 'n/a'; readonly reason: string };

/** What one row group of the table runs: an operation at a concurrency on values of a size. */
export interface GroupSpec {
  readonly operation: Operation;
  readonly concurrency: number;
  readonly valueBytes: number;
}

/** One row group of the table. */
export interface WorkloadGroup extends GroupSpec {
  readonly results: readonly CaseResult[];
}

/** A target of issue 8 and where this run stands. */
export interface TargetResult {
  readonly target: string;
  readonly status: 'met' | 'missed' | 'n/a';
  /** The figure compared with the limit (a ratio or milliseconds), or why there is none. */
  readonly measured: string;
}

/** A case as the summary needs it: its name, floor, and why it did not run (if it did not). */
export interface CaseOutcome {
  readonly name: string;
  readonly floor: Floor;
  readonly unavailable?: string | undefined;
}

/** Medians and ratios of every case in one group. */
export function summariseGroup(
  group: GroupSpec,
  cases: readonly CaseOutcome[],
  samples: ReadonlyMap<string, readonly Sample[]>,
): WorkloadGroup {
  const medians = new Map(
    cases
      .filter((c) => c.unavailable === undefined && (samples.get(c.name)?.length ?? 0) > 0)
      .map((c) => {
        const of = (pick: (s: Sample) => number) => median((samples.get(c.name) ?? []).map(pick));
        return [
          c.name,
          { ops: of((s) => s.opsPerSec), p50: of((s) => s.p50Ns), p99: of((s) => s.p99Ns) },
        ];
      }),
  );
  const fastest = Math.max(...[...medians.values()].map((m) => m.ops));
  const results = cases.map((c): CaseResult => {
    const m = medians.get(c.name);
    if (m === undefined)
      return { case: c.name, status: 'n/a', reason: c.unavailable ?? 'no samples' };
    const floorOps = medians.get(FLOOR_CASE[c.floor])?.ops;
    return {
      case: c.name,
      status: 'ok',
      opsPerSec: m.ops,
      p50Ns: m.p50,
      p99Ns: m.p99,
      xFastest: fastest / m.ops,
      floor: c.floor,
      xFloor: floorOps === undefined ? null : floorOps / m.ops,
    };
  });
  return { ...group, results };
}

/** Where this run stands against the targets of issue 8. */
export function evaluateTargets(
  workload: readonly WorkloadGroup[],
  startup: readonly StartupResult[],
): TargetResult[] {
  const find = (operation: Operation, name: string) =>
    workload
      .find((g) => g.operation === operation && g.concurrency === 1 && g.valueBytes === 1024)
      ?.results.find((r) => r.case === name);
  return [...ratioTargets(find), serveTarget(startup)];
}

type Finder = (operation: Operation, name: string) => CaseResult | undefined;

function ratioTargets(find: Finder): TargetResult[] {
  const specs = [
    { operation: 'get', name: 'pgcache store', floor: FLOOR_CASE.pglite, limit: 1.25 },
    { operation: 'set', name: 'pgcache store', floor: FLOOR_CASE.pglite, limit: 1.25 },
    { operation: 'get', name: 'pgcache + L1', floor: FLOOR_CASE.map, limit: 2 },
  ] as const;
  return specs.map(({ operation, name, floor, limit }) => {
    const target = `${name} ${operation}, concurrency 1: within ${limit}× of ${floor}`;
    const result = find(operation, name);
    const base = find(operation, floor);
    if (result?.status !== 'ok') {
      return { target, status: 'n/a', measured: result?.reason ?? 'not run' };
    }
    if (base?.status !== 'ok') return { target, status: 'n/a', measured: `${floor} did not run` };
    const x = base.opsPerSec / result.opsPerSec;
    return { target, status: x <= limit ? 'met' : 'missed', measured: `${x.toFixed(2)}×` };
  });
}

function serveTarget(startup: readonly StartupResult[]): TargetResult {
  const target = 'pgcache get through serve: under 150 ms wall';
  const result = startup.find((r) => r.name === 'pgcache get KEY (through serve)');
  if (result === undefined) return { target, status: 'n/a', measured: 'not run' };
  if (result.status === 'n/a') return { target, status: 'n/a', measured: result.reason };
  return {
    target,
    status: result.medianMs < 150 ? 'met' : 'missed',
    measured: `${result.medianMs.toFixed(0)} ms`,
  };
}
