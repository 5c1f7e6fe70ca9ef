import type { MetricTable } from './metrics.js';
import type { Comparator, Target } from './targets.js';

/**
 * How one target fared: met, missed, not enough samples to say (never a silent pass), or not
 * judged because its scenario was cut short by an interruption.
 */
export type TargetStatus = 'pass' | 'fail' | 'insufficient' | 'not-judged';

/** A target with its measured value, as `--json` reports it. */
export interface TargetResult {
  readonly id: string;
  readonly metric: string;
  readonly comparator: Comparator;
  /** The bound, in the metric's base unit (ms, %, ops/s, count). */
  readonly value: number;
  /** The measured value in the same unit; `null` when the scenario measured nothing for it. */
  readonly actual: number | null;
  readonly status: TargetStatus;
  readonly source: string;
  /** What the source says, when the targets file tells. */
  readonly description: string | null;
  /** The expression as written. */
  readonly expr: string;
  /** `ms`, `%`, `ops/s` or `count`. */
  readonly unit: string;
  /** Samples behind `actual`, and the least the target asked for. */
  readonly samples: number;
  readonly minSamples: number;
}

const UNIT_OF = { time: 'ms', percent: '%', rate: 'ops/s', count: 'count' } as const;

/** True when `actual comparator bound` holds. */
export function compare(actual: number, comparator: Comparator, bound: number): boolean {
  switch (comparator) {
    case '<':
      return actual < bound;
    case '<=':
      return actual <= bound;
    case '>':
      return actual > bound;
    case '>=':
      return actual >= bound;
  }
}

/**
 * Judge `target` against a scenario's figures. A metric the scenario did not measure, or one
 * backed by fewer samples than `minSamples`, is `insufficient`: it fails the gate like a miss.
 * The figures of an `interrupted` scenario are kept, its targets `not-judged`.
 */
export function evaluateTarget(
  target: Target,
  metrics: MetricTable,
  options: { readonly interrupted?: boolean } = {},
): TargetResult {
  const measured = metrics.get(target.metric);
  const samples = measured?.samples ?? 0;
  const actual = measured === undefined || !Number.isFinite(measured.value) ? null : measured.value;
  const status: TargetStatus =
    options.interrupted === true
      ? 'not-judged'
      : actual === null || samples < target.minSamples || samples === 0
        ? 'insufficient'
        : compare(actual, target.comparator, target.value)
          ? 'pass'
          : 'fail';
  return {
    id: target.id,
    metric: target.metric,
    comparator: target.comparator,
    value: target.value,
    actual,
    status,
    source: target.source,
    description: target.description ?? null,
    expr: target.expr,
    unit: UNIT_OF[target.kind],
    samples,
    minSamples: target.minSamples,
  };
}
