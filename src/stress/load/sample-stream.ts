import { LatencyHistogram } from './latency-histogram.js';
import type { OperationType } from '../judging/metrics.js';
import { ScenarioRecorder } from './recorder.js';
import type { SampleBatch } from './worker-protocol.js';

/** A histogram that also hands every sample to `tap`. */
class TappedHistogram extends LatencyHistogram {
  readonly #tap: (ns: number) => void;

  constructor(tap: (ns: number) => void) {
    super();
    this.#tap = tap;
  }

  override record(ns: number): void {
    super.record(ns);
    this.#tap(ns);
  }
}

interface Pending {
  read: number[];
  write: number[];
  other: number[];
  slip: number[];
  failures: Record<string, number>;
}

const empty = (): Pending => ({ read: [], write: [], other: [], slip: [], failures: {} });

/**
 * The recorder of a worker process: it records as any scenario recorder does (so the load model
 * and its bail-out work unchanged) and keeps every raw sample since the last {@link take}, so
 * that the parent can merge exact figures — percentiles of merged histograms would not be.
 */
export class StreamingRecorder extends ScenarioRecorder {
  #pending: Pending = empty();
  #lateSent = 0;
  override readonly slip: LatencyHistogram = new TappedHistogram((ns) =>
    this.#pending.slip.push(Math.round(ns)),
  );

  override success(type: OperationType | undefined, ns: number): void {
    super.success(type, ns);
    this.#pending[type ?? 'other'].push(Math.round(ns));
  }

  override fail(code: string): void {
    super.fail(code);
    this.#pending.failures[code] = (this.#pending.failures[code] ?? 0) + 1;
  }

  /** What was recorded since the last call, or undefined when nothing was. */
  take(): SampleBatch | undefined {
    const batch = { ...this.#pending, late: this.late - this.#lateSent };
    const count =
      batch.read.length + batch.write.length + batch.other.length + batch.slip.length + batch.late;
    if (count === 0 && Object.keys(batch.failures).length === 0) return undefined;
    this.#pending = empty();
    this.#lateSent = this.late;
    return batch;
  }
}

/** Add a worker's batch to the scenario's recorder, sample by sample. */
export function mergeBatch(recorder: ScenarioRecorder, batch: SampleBatch): void {
  for (const ns of batch.read) recorder.success('read', ns);
  for (const ns of batch.write) recorder.success('write', ns);
  for (const ns of batch.other) recorder.success(undefined, ns);
  for (const [code, n] of Object.entries(batch.failures)) {
    for (let i = 0; i < n; i += 1) recorder.fail(code);
  }
  for (const ns of batch.slip) recorder.slip.record(ns);
  recorder.late += batch.late;
}
