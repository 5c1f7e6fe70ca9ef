import type { IntervalHistogram } from 'node:perf_hooks';
import { evaluateTarget } from './evaluate.js';
import type { LatencySnapshot } from '../load/latency-histogram.js';
import {
  LATENCY_STATS,
  OPERATION_TYPES,
  commonMetricKind,
  metricKind,
  type ExtraMetrics,
  type MetricValue,
} from './metrics.js';
import { DROPPED, RAW_ERROR, type ScenarioRecorder } from '../load/recorder.js';
import type { RemoteLoadDetail } from '../load/remote-load.js';
import type { LoopDelay, ReportedMetric, ScenarioReport } from '../report.js';
import type { ScenarioDefinition, ScenarioOutcome } from '../scenarios/scenario.js';
import type { Target } from './targets.js';

/** What the runner measured around a scenario, besides its recorder. */
export interface ScenarioSurroundings {
  readonly loop: IntervalHistogram;
  /** Retries and instance restarts during the scenario. */
  readonly retried: number;
  readonly restarts: number;
  /** The run's time source now (ns). */
  readonly nowNs: number;
  readonly error: { code: string; message: string } | null;
  /** True when the run was interrupted while the scenario ran: it is reported, not judged. */
  readonly interrupted: boolean;
  /** What a load run outside this process adds. */
  readonly remote: RemoteLoadDetail | null;
}

/** Event-loop stalls shorter than this never mark a scenario as generator-bound. */
export const GENERATOR_BOUND_LOOP_P99_MS = 100;

/**
 * True when the generator's own event loop, not the store, limited the load: its p99 stall is
 * long, and either (open model) over a tenth of the operations started late or were dropped, or
 * (closed model) the loop stalled longer than 99% of the operations took, so callers were not
 * calling for stretches the latency figures do not show.
 */
export function isGeneratorBound(
  loop: LoopDelay,
  latencyP99: number,
  open: { late: number; dropped: number; attempted: number } | undefined,
): boolean {
  if (loop.p99 <= GENERATOR_BOUND_LOOP_P99_MS) return false;
  if (open !== undefined) return open.late + open.dropped > open.attempted * 0.1;
  return loop.p99 > latencyP99;
}

/** Build the report of one scenario and judge its targets. */
export function scenarioReport(
  definition: ScenarioDefinition,
  recorder: ScenarioRecorder,
  outcome: ScenarioOutcome,
  targets: readonly Target[],
  around: ScenarioSurroundings,
): ScenarioReport {
  const loop = loopDelay(around.loop);
  const metrics = metricTable(recorder, outcome, { ...around, extras: definition.extras }, loop);
  const interrupted = around.interrupted;
  const results = targets.map((t) => evaluateTarget(t, metrics, { interrupted }));
  const latency = recorder.latency.snapshot();
  const dropped = recorder.errors.get(DROPPED) ?? 0;
  const slip = recorder.slip.snapshot();
  const open = outcome.load?.model === 'open';
  return {
    id: definition.id,
    description: definition.description,
    source: definition.source,
    verdict: interrupted
      ? 'interrupted'
      : results.every((r) => r.status === 'pass') && around.error === null
        ? 'pass'
        : 'fail',
    attempted: recorder.attempted,
    succeeded: recorder.succeeded,
    failed: recorder.failed,
    successRate: metrics.get('successRate')?.value ?? 0,
    throughput: metrics.get('throughput')?.value ?? 0,
    durationMs: recorder.windowMs(around.nowNs),
    latencyMs: latency,
    byOperation: {
      read: recorder.byType('read').snapshot(),
      write: recorder.byType('write').snapshot(),
    },
    errors: Object.fromEntries([...recorder.errors].sort(([a], [b]) => a.localeCompare(b))),
    topErrors: [...recorder.errors]
      .map(([code, count]) => ({ code, count }))
      .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
    retried: around.retried,
    load:
      outcome.load === undefined ? null : { ...outcome.load, stoppedBy: outcome.stoppedBy ?? null },
    schedule: open
      ? { late: recorder.late, dropped, slipMs: { p50: slip.p50, p99: slip.p99, max: slip.max } }
      : null,
    eventLoopDelayMs: loop,
    generatorBound: isGeneratorBound(
      loop,
      latency.p99,
      open ? { late: recorder.late, dropped, attempted: recorder.attempted } : undefined,
    ),
    metrics: Object.fromEntries(
      [...metrics].map(([name, m]): [string, ReportedMetric] => [
        name,
        {
          value: Number.isFinite(m.value) ? m.value : null,
          kind: metricKind(name, definition.extras) ?? 'count',
          samples: m.samples,
        },
      ]),
    ),
    histogram: recorder.latency.buckets(),
    timeline: recorder.timeline(),
    targets: results,
    notes: outcome.notes ?? [],
    error: around.error,
    remote: around.remote,
  };
}

function loopDelay(histogram: IntervalHistogram): LoopDelay {
  const ms = (ns: number): number => (Number.isFinite(ns) ? ns / 1e6 : 0);
  if (histogram.count === 0) return { mean: 0, p99: 0, max: 0 };
  return {
    mean: ms(histogram.mean),
    p99: ms(histogram.percentile(99)),
    max: ms(histogram.max),
  };
}

// Standard figures from the recorder, then the scenario's own (which may not override them).
function metricTable(
  recorder: ScenarioRecorder,
  outcome: ScenarioOutcome,
  around: ScenarioSurroundings & { readonly extras: ExtraMetrics },
  loop: LoopDelay,
): Map<string, MetricValue> {
  const { extras } = around;
  const table = new Map<string, MetricValue>();
  const latency = (prefix: string, snapshot: LatencySnapshot): void => {
    for (const stat of LATENCY_STATS) {
      table.set(`${prefix}${stat}`, { value: snapshot[stat], samples: snapshot.count });
    }
  };
  latency('', recorder.latency.snapshot());
  for (const type of OPERATION_TYPES) latency(`${type}.`, recorder.byType(type).snapshot());
  const attempted = recorder.attempted;
  const windowMs = recorder.windowMs(around.nowNs);
  const crashed = recorder.errors.get('E_INSTANCE_CRASHED') ?? 0;
  const count = (value: number): MetricValue => ({ value, samples: attempted });
  table.set('successRate', count(attempted === 0 ? 0 : (recorder.succeeded / attempted) * 100));
  table.set('throughput', {
    value: windowMs > 0 ? (recorder.succeeded / windowMs) * 1000 : 0,
    samples: recorder.succeeded,
  });
  table.set('errors', count(recorder.failed));
  table.set('duration', count(windowMs));
  table.set(
    'crashes',
    count(Math.max(crashed, around.restarts) + (recorder.errors.get(RAW_ERROR) ?? 0)),
  );
  table.set('dropped', count(recorder.errors.get(DROPPED) ?? 0));
  table.set('late', count(recorder.late));
  const loopSamples = around.loop.count;
  table.set('eventLoop.p99', { value: loop.p99, samples: loopSamples });
  table.set('eventLoop.max', { value: loop.max, samples: loopSamples });
  for (const [name, value] of Object.entries(outcome.metrics ?? {})) {
    if (commonMetricKind(name) !== undefined) continue; // the standard figures win
    if (!Object.hasOwn(extras, name)) {
      throw new RangeError(
        `a scenario reported the metric "${name}", which its extras do not declare`,
      );
    }
    table.set(name, value);
  }
  return table;
}
