import type { PgcacheConfig } from '../../config/load-config.js';
import type { LoadShape, StopReason } from './load-model.js';
import type { SourceCounters, StoreTuning } from './load-source.js';
import type { WorkloadPlan } from './workload.js';

/**
 * The messages between `pgcache stress --processes N` and its worker processes. A worker says
 * `ready` once loaded; for each scenario the parent sends `run` (the worker opens its store, which
 * goes through `serve`, and answers `armed`), then `go` to all workers at once; a worker sends
 * `measuring` when its warm-up ends, `batch`es of raw samples while it runs, then `done`.
 * `stop` ends a run early (bail-out, interruption). Closing the channel ends the worker.
 */

/** One worker's share of a scenario's load. */
export interface WorkerPlan {
  /** The run's resolved configuration (the worker applies `tuning` on top, as in-process). */
  readonly config: PgcacheConfig;
  readonly tuning: StoreTuning | undefined;
  /** This worker's share: its callers, or its share of the rate, and of the operations. */
  readonly shape: LoadShape;
  /** The scenario's workload, with a seed of this worker's own. */
  readonly workload: WorkloadPlan;
  readonly bailAfterFailures: number | undefined;
  /** Budget of one operation. */
  readonly operationBudgetMs: number;
  /** How often the worker sends what it measured. */
  readonly batchMs: number;
}

/** What a worker measured since its last batch: raw samples in nanoseconds, failures by code. */
export interface SampleBatch {
  readonly read: readonly number[];
  readonly write: readonly number[];
  /** Successful operations of neither type. */
  readonly other: readonly number[];
  readonly failures: Readonly<Record<string, number>>;
  /** Open model: how late operations started, in ns, and how many were late. */
  readonly slip: readonly number[];
  readonly late: number;
}

/** A pgcache error as it crosses the process boundary. */
export interface WorkerError {
  readonly code: string;
  readonly message: string;
  readonly hint?: string | undefined;
  readonly exitCode?: number | undefined;
}

/** What the parent sends a worker. */
export type ToWorker =
  | { readonly type: 'run'; readonly plan: WorkerPlan }
  | { readonly type: 'go' }
  | { readonly type: 'stop' };

/** What a worker sends the parent. */
export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'armed' }
  | { readonly type: 'measuring' }
  | { readonly type: 'batch'; readonly batch: SampleBatch }
  /** `counters`: the retries and instance restarts of this scenario's load in the worker. */
  | { readonly type: 'done'; readonly stoppedBy: StopReason; readonly counters: SourceCounters }
  | { readonly type: 'failed'; readonly error: WorkerError }
  | { readonly type: 'warning'; readonly message: string };

/** The parent's end of one worker process. */
export interface WorkerChannel {
  readonly pid: number;
  send(message: ToWorker): void;
  /** Set the handler of the worker's messages (replacing the previous one). */
  onMessage(handler: (message: FromWorker) => void): void;
  /** Resolves, with how it ended (`exit 0`, `SIGKILL`…), once the worker process is gone. */
  readonly exited: Promise<string>;
}

/** The worker processes of `pgcache stress --processes N`. */
export interface StressWorkers {
  readonly channels: readonly WorkerChannel[];
  /** Close every channel (a worker then closes its store and exits); SIGKILL what is left after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}
