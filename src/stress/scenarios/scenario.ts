import type { Clock } from '../../clock.js';
import type { ProcessProbe } from '../../platform/host.js';
import type { CrashHarness } from './crash-harness.js';
import type { LoadOp, LoadShape, StopReason } from '../load/load-model.js';
import type { LoadSource, StressClient } from '../load/load-source.js';
import type { ExtraMetrics, MetricValue } from '../judging/metrics.js';
import type { ScenarioRecorder } from '../load/recorder.js';
import type { SourceNeed } from '../load/source-needs.js';
import type { Workload, WorkloadOp, WorkloadOptions } from '../load/workload.js';

/** Load settings a run may impose on the scenarios that allow it (`--concurrency`, `--rate`…). */
export interface LoadOverrides {
  readonly concurrency?: number | undefined;
  readonly ratePerSec?: number | undefined;
  readonly ops?: number | undefined;
  readonly durationMs?: number | undefined;
  readonly warmupMs?: number | undefined;
}

/** What a scenario adds to the standard figures its recorder yields. */
export interface ScenarioOutcome {
  /** The load it offered, as finally shaped. */
  readonly load?: LoadShape | undefined;
  readonly stoppedBy?: StopReason | undefined;
  /** Its own metrics (recovery time, memory growth…), each declared in its `extras`. */
  readonly metrics?: Readonly<Record<string, MetricValue>>;
  /** Sentences for the report (what was checked, what was seen). */
  readonly notes?: readonly string[];
}

/** Everything a scenario runs with; built by the runner for each scenario. */
export interface ScenarioContext {
  readonly id: string;
  readonly recorder: ScenarioRecorder;
  /** This scenario's seed, derived from the run's. */
  readonly seed: number;
  /** Key prefix of this scenario: `stress:<run>:<scenario>:`. */
  readonly prefix: string;
  readonly source: LoadSource;
  /** Monotonic nanoseconds. */
  readonly now: () => number;
  readonly clock: Clock;
  readonly signal: AbortSignal | undefined;
  readonly probe: ProcessProbe;
  /** Child processes for the crash scenario (absent: that scenario cannot run). */
  readonly crash: CrashHarness | undefined;
  /** Rounds of the crash scenario. */
  readonly rounds: number;
  /** A seeded workload under this scenario's prefix (the run's workload flags applied). */
  workload(options?: WorkloadOptions): Workload;
  /** `base` with the run's overrides this scenario accepts. */
  load(base: LoadShape): LoadShape;
  /** Offer `shape` of load from `next` into the recorder; `onMeasuring` runs when the warm-up ends. */
  drive(
    shape: LoadShape,
    next: () => LoadOp,
    hooks?: { readonly onMeasuring?: () => void },
  ): Promise<StopReason>;
  /**
   * Offer `shape` of `workload`'s operations: through `client` in this process, or from where
   * the load source runs its load (child processes, HTTP clients), which rebuild the workload.
   */
  driveWorkload(
    shape: LoadShape,
    workload: Workload,
    client: StressClient,
    hooks?: { readonly onMeasuring?: () => void },
  ): Promise<StopReason>;
}

/** What a scenario may prepare with, before the run's load opens the store. */
export interface ScenarioPreparation {
  readonly crash: CrashHarness | undefined;
}

/** One stress scenario: what it does, where its targets come from, and how it runs. */
export interface ScenarioDefinition {
  /** Stable id, used by `--scenario` and targets files. */
  readonly id: string;
  readonly description: string;
  /** Where the scenario comes from (a seed section, or our own bar). */
  readonly source: string;
  /** Metrics it reports beyond the standard ones. */
  readonly extras: ExtraMetrics;
  /** Which run-wide load overrides apply to it. */
  readonly tunable: readonly (keyof LoadOverrides)[];
  /** What it needs of the load source; a source that lacks one skips it, saying why. @default none */
  readonly needs?: readonly SourceNeed[];
  /**
   * Runs before the run's load opens the store (before a serve started for the run owns it),
   * e.g. to copy the store as it was found. @default nothing
   */
  prepare?(preparation: ScenarioPreparation): Promise<void>;
  run(ctx: ScenarioContext): Promise<ScenarioOutcome>;
}

/** Turn a workload operation into a call on `client`. */
export function callFor(client: StressClient, op: WorkloadOp): LoadOp {
  return op.type === 'read'
    ? { type: 'read', run: () => client.read(op.key) }
    : { type: 'write', run: () => client.write(op.key, op.value) };
}

/** Write every key of `workload` once, in batches, before measuring (not recorded). */
export async function preload(client: StressClient, workload: Workload): Promise<void> {
  const batch = 250;
  for (let start = 0; start < workload.keyCount; start += batch) {
    const items = [];
    for (let i = start; i < Math.min(workload.keyCount, start + batch); i += 1) {
      items.push({ key: workload.key(i), value: workload.value() });
    }
    await client.writeMany(items);
  }
}

/** A measured value backed by `samples` observations. */
export function measured(value: number, samples: number): MetricValue {
  return { value, samples };
}
