import { every, type Clock } from '../../clock.js';
import { isPgcacheError } from '../../errors/index.js';
import type { OpenStoreOptions } from '../../store/open-store.js';
import type { Store } from '../../store/store.js';
import { InProcessSource } from './in-process-source.js';
import { drive } from './load-model.js';
import { StreamingRecorder } from './sample-stream.js';
import { callFor } from '../scenarios/scenario.js';
import type { FromWorker, ToWorker, WorkerError, WorkerPlan } from './worker-protocol.js';
import { Workload } from './workload.js';

/** What a worker process runs its plans with. */
export interface WorkerRunnerDeps {
  readonly openStore: (options: OpenStoreOptions) => Promise<Store>;
  readonly clock: Clock;
  /** Monotonic time in nanoseconds. */
  readonly now: () => number;
  /** Send a message to the parent. */
  readonly send: (message: FromWorker) => void;
}

/**
 * The inside of one `pgcache stress --processes` worker: it opens the store as any other process
 * would (through `serve` when one owns the data directory, or the PostgreSQL server), keeps it
 * open while plans keep the same settings, runs its share of each scenario's load on the very
 * load model the in-process run uses, and streams what it measured.
 */
export class WorkerRunner {
  readonly #deps: WorkerRunnerDeps;
  #source: InProcessSource | undefined;
  // The plan being run: stopped by `stop`; waits for `go` once its store is open.
  #stop: AbortController | undefined;
  #go: (() => void) | undefined;
  #running: Promise<void> = Promise.resolve();

  constructor(deps: WorkerRunnerDeps) {
    this.#deps = deps;
  }

  /** Handle one message from the parent. */
  handle(message: ToWorker): void {
    switch (message.type) {
      case 'run': {
        // One plan at a time: a plan sent while the last one still stops waits for it.
        const plan = message.plan;
        this.#running = this.#running.then(() => this.#run(plan));
        return;
      }
      case 'go':
        this.#go?.();
        return;
      case 'stop':
        this.#stop?.abort();
        this.#go?.();
        return;
    }
  }

  /** Stop what runs and close the store (the parent is gone or done). */
  async close(): Promise<void> {
    this.handle({ type: 'stop' });
    await this.#running;
    await this.#source?.release();
  }

  async #run(plan: WorkerPlan): Promise<void> {
    const { send, clock, now } = this.#deps;
    const stop = new AbortController();
    this.#stop = stop;
    try {
      this.#source ??= new InProcessSource({
        config: plan.config,
        openStore: this.#deps.openStore,
        clock,
        onWarning: (message) => send({ type: 'warning', message }),
        operationBudgetMs: plan.operationBudgetMs,
      });
      const source = this.#source;
      const client = await source.client(plan.tuning);
      const go = stop.signal.aborted
        ? Promise.resolve()
        : new Promise<void>((resolve) => (this.#go = resolve));
      send({ type: 'armed' });
      await go;
      const workload = new Workload(plan.workload.options, plan.workload);
      const recorder = new StreamingRecorder();
      const flush = (): void => {
        const batch = recorder.take();
        if (batch !== undefined) send({ type: 'batch', batch });
      };
      const before = await source.counters();
      const batches = every(clock, plan.batchMs, flush);
      try {
        const stoppedBy = await drive(
          plan.shape,
          () => callFor(client, workload.next()),
          recorder,
          {
            now,
            clock,
            signal: stop.signal,
            bailAfterFailures: plan.bailAfterFailures,
            onMeasuring: () => send({ type: 'measuring' }),
          },
        );
        flush();
        const after = await source.counters();
        const counters = {
          retried: after.retried - before.retried,
          restarts: after.restarts - before.restarts,
        };
        send({ type: 'done', stoppedBy, counters });
      } finally {
        batches.cancel();
      }
    } catch (error) {
      send({ type: 'failed', error: workerError(error) });
    } finally {
      this.#go = undefined;
      this.#stop = undefined;
    }
  }
}

/** An error as it crosses to the parent: its code, message, hint and exit code. */
export function workerError(error: unknown): WorkerError {
  if (isPgcacheError(error)) return { ...error.toJSON(), exitCode: error.exitCode };
  return { code: 'E_INTERNAL', message: (error as Error).message, exitCode: 70 };
}
