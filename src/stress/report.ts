import type { DatabaseInfo } from '../db/database.js';
import type { TargetResult } from './evaluate.js';
import type { HistogramBucket, LatencySnapshot } from './latency-histogram.js';
import type { LoadShape, StopReason } from './load-model.js';
import type { LoadSourceKind } from './load-source.js';
import type { MetricKind, OperationType } from './metrics.js';
import type { LoadProcesses, RemoteLoadDetail } from './remote-load.js';
import type { SkippedScenario } from './source-needs.js';

/** Pass when every target of the scenario (or of the run) passed. */
export type Verdict = 'pass' | 'fail';

/** A metric as reported: value in its unit, samples behind it. */
export interface ReportedMetric {
  /** `null` when nothing was measured. */
  readonly value: number | null;
  readonly kind: MetricKind;
  readonly samples: number;
}

/** How the event loop the generator runs on kept up, in ms. */
export interface LoopDelay {
  readonly mean: number;
  readonly p99: number;
  readonly max: number;
}

/** One scenario's figures, targets and verdict (the `--json` contract, plus added fields). */
export interface ScenarioReport {
  readonly id: string;
  readonly description: string;
  readonly source: string;
  readonly verdict: Verdict;
  readonly attempted: number;
  readonly succeeded: number;
  /** Failed, rejected and dropped operations. */
  readonly failed: number;
  /** succeeded / attempted, in percent (0 when nothing was attempted). */
  readonly successRate: number;
  /** Successful operations per second of the measured window. */
  readonly throughput: number;
  /** The measured window (warm-up excluded), in ms. */
  readonly durationMs: number;
  /** Latency of the successful operations. */
  readonly latencyMs: LatencySnapshot;
  readonly byOperation: Readonly<Record<OperationType, LatencySnapshot>>;
  /** Failures by error code (`E_QUEUE_FULL`, `E_DROPPED`…). */
  readonly errors: Readonly<Record<string, number>>;
  /** Operations retried after transient failures (they may have succeeded in the end). */
  readonly retried: number;
  /** The load offered, and what stopped it; `null` for scenarios that drive no load model. */
  readonly load: (LoadShape & { readonly stoppedBy: StopReason | null }) | null;
  /** Open model: how late operations started against their schedule. */
  readonly schedule: {
    readonly late: number;
    readonly dropped: number;
    readonly slipMs: { readonly p50: number; readonly p99: number; readonly max: number };
  } | null;
  readonly eventLoopDelayMs: LoopDelay;
  /** True when the generator's own event loop was too busy for the figures to be the store's alone. */
  readonly generatorBound: boolean;
  /** Every metric a target can name, with its value. */
  readonly metrics: Readonly<Record<string, ReportedMetric>>;
  /** Latency distribution of the successful operations (for the ASCII chart). */
  readonly histogram: readonly HistogramBucket[];
  readonly targets: readonly TargetResult[];
  readonly notes: readonly string[];
  /** Why the scenario could not run to its end, if it could not. */
  readonly error: { readonly code: string; readonly message: string } | null;
  /** The workers' shares (`--processes`) or autocannon's summary (`--http`); null in-process. */
  readonly remote: RemoteLoadDetail | null;
}

/** The whole run: what `runStress` returns and `--json` prints (with `schemaVersion`). */
export interface StressReport {
  readonly verdict: Verdict;
  /** `seed`, `strict`, or the targets file's profile. */
  readonly profile: string;
  readonly runId: string;
  /** Repeat the workload exactly with `--seed`. */
  readonly seed: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly loadSource: LoadSourceKind;
  readonly backend: DatabaseInfo | null;
  readonly scenarios: readonly ScenarioReport[];
  readonly summary: {
    readonly targets: number;
    readonly passed: number;
    readonly failed: number;
    readonly insufficient: number;
  };
  /** Keys the run wrote and deleted at the end (unless kept). */
  readonly cleanup: {
    readonly deletedKeys: number;
    readonly kept: boolean;
    readonly error: string | null;
  };
  /** True when the run was interrupted before every scenario ran. */
  readonly aborted: boolean;
  /** Scenarios of the targets the load source cannot run (their targets are not judged). */
  readonly skipped: readonly SkippedScenario[];
  /** `serve` and the worker processes the load went through; null in-process. */
  readonly loadProcesses: LoadProcesses | null;
}

/** Count targets by status and decide the run's verdict (an interrupted run never passes). */
export function summarize(
  scenarios: readonly ScenarioReport[],
  aborted: boolean,
): {
  verdict: Verdict;
  summary: StressReport['summary'];
} {
  const all = scenarios.flatMap((s) => s.targets);
  const count = (status: TargetResult['status']): number =>
    all.filter((t) => t.status === status).length;
  const summary = {
    targets: all.length,
    passed: count('pass'),
    failed: count('fail'),
    insufficient: count('insufficient'),
  };
  const ok = !aborted && scenarios.every((s) => s.verdict === 'pass');
  return { verdict: ok ? 'pass' : 'fail', summary };
}
