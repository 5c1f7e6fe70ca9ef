import { isPgcacheError } from '../../errors/index.js';
import { LatencyHistogram } from './latency-histogram.js';
import { OPERATION_TYPES, type OperationType } from '../judging/metrics.js';
import { TimelineRecorder, type Timeline, type TimelineOptions } from './timeline.js';

/** Codes of the explicit rejections a store under overload answers with (graceful degradation). */
export const EXPLICIT_REJECTIONS: ReadonlySet<string> = new Set([
  'E_QUEUE_FULL',
  'E_QUEUE_TIMEOUT',
  'E_DEADLINE_EXCEEDED',
  'E_CIRCUIT_OPEN',
]);

/** The code an operation the open model had to drop is counted under. */
export const DROPPED = 'E_DROPPED';

/** The code of anything thrown that is not a pgcache error (a raw driver or WASM error: a bug). */
export const RAW_ERROR = 'E_INTERNAL';

/** The error code a failure is counted under. */
export function errorCode(error: unknown): string {
  return isPgcacheError(error) ? error.code : RAW_ERROR;
}

/** Live figures of the scenario being run, for progress lines. */
export interface LiveFigures {
  readonly attempted: number;
  readonly succeeded: number;
  readonly failed: number;
  /** p95 of the successful operations so far, in ms. */
  readonly p95Ms: number;
}

/** What a {@link ScenarioRecorder} is given. */
export interface RecorderOptions {
  /**
   * The run's monotonic time in ns: with it, outcomes are also counted per time bucket (the
   * report's charts over time). @default none (no timeline)
   */
  readonly now?: () => number;
  readonly timeline?: TimelineOptions;
}

/**
 * Collects what one scenario measured: attempts and outcomes, latency of successful operations
 * (all and by type), errors by code, for the open model how late operations started, and, given
 * a clock, all of it per time bucket.
 */
export class ScenarioRecorder {
  /** Latency of every successful operation, in ns. */
  readonly latency = new LatencyHistogram();
  /** Open model: how late each operation started after its intended time, in ns. */
  readonly slip = new LatencyHistogram();
  readonly errors = new Map<string, number>();
  readonly #byType = new Map<OperationType, LatencyHistogram>(
    OPERATION_TYPES.map((t) => [t, new LatencyHistogram()]),
  );
  attempted = 0;
  succeeded = 0;
  failed = 0;
  /** Open model: operations that started more than the late threshold after their time. */
  late = 0;
  /** Start and end of the measured window (ns on the run's time source). */
  #window: { start: number; end: number | undefined } | undefined;
  /** Outcomes per time bucket, when the recorder has the run's clock. */
  readonly #timeline:
    { readonly now: () => number; readonly buckets: TimelineRecorder } | undefined;

  constructor(options: RecorderOptions = {}) {
    const { now } = options;
    if (now !== undefined)
      this.#timeline = { now, buckets: new TimelineRecorder(options.timeline) };
  }

  /** Record a success that took `ns`, of `type` when it is a read or a write. */
  success(type: OperationType | undefined, ns: number): void {
    this.attempted += 1;
    this.succeeded += 1;
    this.latency.record(ns);
    if (type !== undefined) this.#byType.get(type)?.record(ns);
    this.#timeline?.buckets.success(this.#timeline.now(), ns);
  }

  /** Record a failure (counted under its error code). */
  failure(error: unknown): void {
    this.fail(errorCode(error));
  }

  /** Record a failure under `code`. */
  fail(code: string): void {
    this.attempted += 1;
    this.failed += 1;
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
    this.#timeline?.buckets.failure(this.#timeline.now());
  }

  /** Latency of the successful operations of `type`. */
  byType(type: OperationType): LatencyHistogram {
    return this.#byType.get(type) ?? new LatencyHistogram();
  }

  /** Failures whose code satisfies `predicate`. */
  countErrors(predicate: (code: string) => boolean): number {
    let total = 0;
    for (const [code, n] of this.errors) if (predicate(code)) total += n;
    return total;
  }

  /** Mark the start of the measured window (after warm-up); later calls are ignored. */
  begin(ns: number): void {
    this.#window ??= { start: ns, end: undefined };
    this.#timeline?.buckets.start(ns);
  }

  /** Outcomes per time bucket (empty without a clock). */
  timeline(): Timeline {
    return this.#timeline?.buckets.snapshot() ?? { bucketMs: 0, points: [] };
  }

  /** Mark the end of the measured window. */
  end(ns: number): void {
    if (this.#window !== undefined) this.#window.end = ns;
  }

  /** When the measured window began (ns), or `undefined` before. */
  get measuredSince(): number | undefined {
    return this.#window?.start;
  }

  /** Length of the measured window in ms (0 before it began). */
  windowMs(nowNs: number): number {
    if (this.#window === undefined) return 0;
    return Math.max(0, ((this.#window.end ?? nowNs) - this.#window.start) / 1e6);
  }

  /** Figures for a progress line. */
  live(): LiveFigures {
    return {
      attempted: this.attempted,
      succeeded: this.succeeded,
      failed: this.failed,
      p95Ms: this.latency.snapshot().p95,
    };
  }
}
