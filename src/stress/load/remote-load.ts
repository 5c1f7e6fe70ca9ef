import type { LatencySnapshot } from './latency-histogram.js';
import type { LoadShape, StopReason } from './load-model.js';
import type { SourceCounters } from './load-source.js';
import type { WorkloadPlan } from './workload.js';

/** A workload's load to run outside this process: its shape, and how to rebuild the workload. */
export interface RemoteLoadRequest {
  readonly shape: LoadShape;
  readonly workload: WorkloadPlan;
}

/** What a load run outside this process is run with. */
export interface RemoteDriveDeps {
  /** The run's monotonic time in nanoseconds. */
  readonly now: () => number;
  readonly signal?: AbortSignal | undefined;
  /** Stop once this many operations have failed. @default once over half of 1,000+ failed */
  readonly bailAfterFailures?: number | undefined;
  /** Called once, when the first operation is measured (the warm-up is over). */
  readonly onMeasuring?: (() => void) | undefined;
}

/** One worker process's share of a scenario. */
export interface WorkerFigures {
  readonly pid: number;
  readonly attempted: number;
  readonly succeeded: number;
  readonly stoppedBy: StopReason | null;
}

/**
 * autocannon's own summary of an HTTP load. It records latency in whole milliseconds; the
 * scenario's figures come from each response's own time (autocannon measures it with
 * `process.hrtime`), so they are finer than these.
 */
export interface HttpFigures {
  /** Responses received. */
  readonly requests: number;
  readonly '2xx': number;
  /** Responses with another status (a read of an absent key is a 404, and a success). */
  readonly non2xx: number;
  /** Requests that got no response: connection errors and timeouts. */
  readonly errors: number;
  readonly timeouts: number;
  /** Whole milliseconds. */
  readonly latencyMs: Pick<LatencySnapshot, 'p50' | 'p90' | 'p99' | 'max' | 'mean'>;
}

/** What a load run outside this process adds to its scenario's report. */
export type RemoteLoadDetail =
  | { readonly kind: 'processes'; readonly workers: readonly WorkerFigures[] }
  | { readonly kind: 'http'; readonly url: string; readonly autocannon: HttpFigures };

/** How a load run outside this process ended. */
export interface RemoteDriveResult {
  readonly stoppedBy: StopReason;
  readonly detail: RemoteLoadDetail;
  /** Retries and instance restarts in the processes that ran the load, when they report them. */
  readonly counters?: SourceCounters | undefined;
}

/** The processes a load outside this process goes through, for the report. */
export interface LoadProcesses {
  /** The `serve` the load goes through; null when the workers reach a PostgreSQL server. */
  readonly serve: {
    readonly pid: number;
    readonly http: string;
    /** False for a serve that was already running (this run neither started nor stopped it). */
    readonly startedByRun: boolean;
  } | null;
  /** Process ids of the workers (`--processes`); empty for `--http`. */
  readonly workers: readonly number[];
}
