import type { DatabaseInfo } from '../db/database.js';
import type { TargetResult } from './judging/evaluate.js';
import type { HistogramBucket, LatencySnapshot } from './load/latency-histogram.js';
import type { LoadShape, StopReason } from './load/load-model.js';
import type { LoadSourceKind } from './load/load-source.js';
import type { MetricKind, OperationType } from './judging/metrics.js';
import type { MachineFacts } from './launcher.js';
import type { LoadProcesses, RemoteLoadDetail } from './load/remote-load.js';
import type { Timeline } from './load/timeline.js';
import type { SkippedScenario } from './load/source-needs.js';

/**
 * Pass when every target of the scenario (or of the run) passed; `interrupted` when the run was
 * cut short (Ctrl-C, its `--timeout`) while it ran or before it ran: its targets are not judged.
 */
export type Verdict = 'pass' | 'fail' | 'interrupted';

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

/** How many failures had one error code. */
export interface ErrorCount {
  readonly code: string;
  readonly count: number;
}

/** Targets by status, over the scenarios a run planned. */
export interface TargetSummary {
  readonly targets: number;
  readonly passed: number;
  readonly failed: number;
  readonly insufficient: number;
  /** Targets of scenarios cut short or never started because the run was interrupted. */
  readonly notJudged: number;
}

/** What cut a run short. */
export interface Interruption {
  /** `signal`: Ctrl-C or SIGTERM; `timeout`: the run's `--timeout` ran out. */
  readonly by: 'signal' | 'timeout';
  /** The scenario that was running, if one was. */
  readonly during: string | null;
  /** Scenarios of the plan that never started, with their targets (not judged). */
  readonly notRun: readonly { readonly id: string; readonly targets: readonly string[] }[];
}

/** What the run gave back to the store at the end. */
export interface Cleanup {
  readonly deletedKeys: number;
  readonly kept: boolean;
  /** How the space the run used was reclaimed (see {@link Reclaim}). */
  readonly reclaim: Reclaim;
  readonly error: string | null;
}

/**
 * `vacuum+checkpoint`: the embedded store's dead rows and WAL were reclaimed in place (PGlite has
 * no autovacuum and no checkpointer); `server`: a PostgreSQL server reclaims by itself. Sizes on
 * disk before the run and after the reclaim (null where the store cannot tell).
 */
export interface Reclaim {
  readonly how: 'vacuum+checkpoint' | 'server' | 'none';
  readonly diskBytesBefore: number | null;
  readonly diskBytesAfter: number | null;
  readonly walBytesBefore: number | null;
  readonly walBytesAfter: number | null;
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
  /** The codes of `errors`, most frequent first (the reports show the first few). */
  readonly topErrors: readonly ErrorCount[];
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
  /** Latency distribution of the successful operations (for the charts). */
  readonly histogram: readonly HistogramBucket[];
  /** Throughput, failures and latency per time bucket of the measured window. */
  readonly timeline: Timeline;
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
  readonly summary: TargetSummary;
  /** Keys the run wrote and deleted at the end (unless kept), and the space it gave back. */
  readonly cleanup: Cleanup;
  /** True when the run was interrupted before every scenario ran to its end. */
  readonly aborted: boolean;
  /** What cut the run short, and where; null for a run that ran to its end. */
  readonly interrupted: Interruption | null;
  /** The machine the run ran on, and pgcache's version. */
  readonly machine: (MachineFacts & { readonly pgcache: string }) | null;
  /** Scenarios of the targets the load source cannot run (their targets are not judged). */
  readonly skipped: readonly SkippedScenario[];
  /** `serve` and the worker processes the load went through; null in-process. */
  readonly loadProcesses: LoadProcesses | null;
}
