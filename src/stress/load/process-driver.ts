import type { PgcacheConfig } from '../../config/load-config.js';
import { RemoteError, StoreUnavailableError } from '../../errors/index.js';
import { shouldBail, type LoadShape, type StopReason } from './load-model.js';
import { addCounters, NO_COUNTERS, type SourceCounters, type StoreTuning } from './load-source.js';
import { deriveSeed } from './random.js';
import type { ScenarioRecorder } from './recorder.js';
import type {
  RemoteDriveDeps,
  RemoteDriveResult,
  RemoteLoadRequest,
  WorkerFigures,
} from './remote-load.js';
import type { RemoteDriver } from './remote-source.js';
import { mergeBatch } from './sample-stream.js';
import type { FromWorker, WorkerChannel, WorkerPlan } from './worker-protocol.js';

/** Split `total` into whole shares proportional to `weights` (the remainder to the first ones). */
function distribute(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const shares = weights.map((w) => Math.floor((total * w) / sum));
  let rest = total - shares.reduce((a, b) => a + b, 0);
  for (let i = 0; rest > 0; i = (i + 1) % shares.length, rest -= 1) {
    shares[i] = (shares[i] ?? 0) + 1;
  }
  return shares;
}

const evenly = (n: number): number[] => Array.from({ length: n }, () => 1);

/**
 * Each of `workers` processes' share of `shape` (undefined for a worker left without one): the
 * callers of the closed model, or the rate of the open model, and the operations, split as evenly
 * as whole numbers allow; the duration and warm-up are everyone's. A sequential load (one
 * caller) stays one caller, in the first worker.
 */
export function splitShape(shape: LoadShape, workers: number): (LoadShape | undefined)[] {
  if (shape.model === 'closed') {
    const total = Math.max(1, shape.concurrency);
    const callers = distribute(total, evenly(Math.min(workers, total)));
    const ops = shape.ops === undefined ? undefined : distribute(shape.ops, callers);
    return evenly(workers).map((_, i) => {
      const concurrency = callers[i];
      const share = ops?.[i];
      return concurrency === undefined || share === 0
        ? undefined
        : { ...shape, concurrency, ops: share };
    });
  }
  const active = Math.min(workers, shape.ops ?? workers);
  const ops = shape.ops === undefined ? undefined : distribute(shape.ops, evenly(active));
  const maxInFlight = Math.ceil((shape.maxInFlight ?? 1000) / active);
  const ratePerSec = shape.ratePerSec / active;
  return evenly(workers).map((_, i) =>
    i < active ? { ...shape, ratePerSec, ops: ops?.[i], maxInFlight } : undefined,
  );
}

/** What {@link ProcessDriver} gives its workers besides their share. */
export interface ProcessDriverOptions {
  readonly config: PgcacheConfig;
  /** Budget of one operation. */
  readonly operationBudgetMs: number;
  /** How often workers send their samples. @default 250 */
  readonly batchMs?: number;
  readonly onWarning?: ((message: string) => void) | undefined;
}

/**
 * Runs a scenario's workload from N worker processes at once: each gets its share of the load
 * and a seed of its own, opens its store (through `serve`, or on the PostgreSQL server), and all
 * start together; their raw samples are merged into the scenario's recorder as they arrive, so
 * percentiles, error counts and bail-outs are exact over the whole load.
 */
export class ProcessDriver implements RemoteDriver {
  readonly #workers: readonly WorkerChannel[];
  readonly #options: ProcessDriverOptions;

  constructor(workers: readonly WorkerChannel[], options: ProcessDriverOptions) {
    this.#workers = workers;
    this.#options = options;
  }

  async drive(
    request: RemoteLoadRequest,
    tuning: StoreTuning | undefined,
    recorder: ScenarioRecorder,
    deps: RemoteDriveDeps,
  ): Promise<RemoteDriveResult> {
    const shares = splitShape(request.shape, this.#workers.length);
    const runs = this.#workers.flatMap((channel, i) => {
      const shape = shares[i];
      if (shape === undefined) return [];
      const seed = deriveSeed(request.workload.seed, `worker:${i}`);
      return [
        new WorkerRun(channel, this.#plan(shape, { ...request.workload, seed }, tuning, deps)),
      ];
    });
    let bailed = false;
    const stopAll = (): void => runs.forEach((run) => run.stop());
    const onBatch = (): void => {
      if (!bailed && shouldBail(recorder, deps.bailAfterFailures)) {
        bailed = true;
        stopAll();
      }
    };
    const onMeasuring = (): void => {
      if (recorder.measuredSince !== undefined) return;
      recorder.begin(deps.now());
      deps.onMeasuring?.();
    };
    const events = { recorder, onBatch, onMeasuring, onWarning: this.#options.onWarning };
    const aborted = (): boolean => deps.signal?.aborted === true;
    if (aborted()) return { stoppedBy: 'aborted', detail: { kind: 'processes', workers: [] } };
    deps.signal?.addEventListener('abort', stopAll, { once: true });
    try {
      const armed = await Promise.allSettled(runs.map((run) => run.arm(events)));
      const failed = armed.find((a) => a.status === 'rejected');
      if (failed !== undefined) {
        stopAll();
        await Promise.allSettled(runs.map((run) => run.done));
        throw failed.reason;
      }
      // One worker that fails or dies stops the others, so none still runs when the next
      // scenario reuses them.
      runs.forEach((run) => {
        run.done.catch(stopAll);
        run.go();
      });
      const ended = await Promise.allSettled(runs.map((run) => run.done));
      const reasons = ended.map((e) => {
        if (e.status === 'rejected') throw e.reason;
        return e.value;
      });
      recorder.end(deps.now());
      return {
        stoppedBy: bailed ? 'bailout' : aborted() ? 'aborted' : combine(reasons),
        detail: { kind: 'processes', workers: runs.map((run) => run.figures()) },
        counters: runs.reduce((sum, run) => addCounters(sum, run.counters), NO_COUNTERS),
      };
    } finally {
      deps.signal?.removeEventListener('abort', stopAll);
    }
  }

  #plan(
    shape: LoadShape,
    workload: WorkerPlan['workload'],
    tuning: StoreTuning | undefined,
    deps: RemoteDriveDeps,
  ): WorkerPlan {
    return {
      config: this.#options.config,
      tuning,
      shape,
      workload,
      bailAfterFailures: deps.bailAfterFailures,
      operationBudgetMs: this.#options.operationBudgetMs,
      batchMs: this.#options.batchMs ?? 250,
    };
  }
}

// A bail-out anywhere stops the load for a reason; otherwise the duration, if any worker ran out of time.
function combine(reasons: readonly StopReason[]): StopReason {
  for (const reason of ['bailout', 'aborted', 'duration'] as const) {
    if (reasons.includes(reason)) return reason;
  }
  return 'ops';
}

interface RunEvents {
  readonly recorder: ScenarioRecorder;
  readonly onBatch: () => void;
  readonly onMeasuring: () => void;
  readonly onWarning: ((message: string) => void) | undefined;
}

/** One worker's part of one scenario: its plan, its progress and how it ended. */
class WorkerRun {
  readonly #channel: WorkerChannel;
  readonly #plan: WorkerPlan;
  #attempted = 0;
  #succeeded = 0;
  #stoppedBy: StopReason | null = null;
  /** The worker's retries and restarts during this run, once it is done. */
  counters: SourceCounters = NO_COUNTERS;
  #finish: { resolve(reason: StopReason): void; reject(error: unknown): void } | undefined;
  /** Resolves with why the worker stopped; rejects when it failed or died. */
  readonly done: Promise<StopReason>;

  constructor(channel: WorkerChannel, plan: WorkerPlan) {
    this.#channel = channel;
    this.#plan = plan;
    this.done = new Promise((resolve, reject) => (this.#finish = { resolve, reject }));
    this.done.catch(() => undefined); // observed by arm() or the driver
  }

  /** Send the plan; resolves once the worker's store is open and it waits for `go`. */
  arm(events: RunEvents): Promise<void> {
    const pid = this.#channel.pid;
    return new Promise<void>((armed, refused) => {
      const fail = (error: unknown): void => {
        refused(error);
        this.#finish?.reject(error);
      };
      this.#channel.onMessage((message: FromWorker) => {
        switch (message.type) {
          case 'armed':
            return armed();
          case 'measuring':
            return events.onMeasuring();
          case 'batch': {
            const { batch } = message;
            const ok = batch.read.length + batch.write.length + batch.other.length;
            const failed = Object.values(batch.failures).reduce((a, b) => a + b, 0);
            this.#attempted += ok + failed;
            this.#succeeded += ok;
            mergeBatch(events.recorder, batch);
            return events.onBatch();
          }
          case 'done':
            this.#stoppedBy = message.stoppedBy;
            this.counters = message.counters;
            return this.#finish?.resolve(message.stoppedBy);
          case 'failed':
            return fail(new RemoteError(message.error, `stress worker pid ${pid}`));
          case 'warning':
            return events.onWarning?.(message.message);
          case 'ready':
            return;
        }
      });
      void this.#channel.exited.then((how) =>
        fail(
          new StoreUnavailableError(`stress worker pid ${pid} ended (${how}) during a scenario`, {
            hint: 'Run `pgcache stress` again; if it recurs, run without --processes to see the error.',
          }),
        ),
      );
      this.#channel.send({ type: 'run', plan: this.#plan });
    });
  }

  go(): void {
    this.#channel.send({ type: 'go' });
  }

  stop(): void {
    this.#channel.send({ type: 'stop' });
  }

  figures(): WorkerFigures {
    return {
      pid: this.#channel.pid,
      attempted: this.#attempted,
      succeeded: this.#succeeded,
      stoppedBy: this.#stoppedBy,
    };
  }
}
