import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** A summary of recorded durations, in milliseconds (0 when nothing was recorded). */
export interface LatencySummary {
  /** Durations recorded. */
  readonly count: number;
  /** Exact arithmetic mean. */
  readonly mean: number;
  /** 95th percentile (three significant figures). */
  readonly p95: number;
  /** 99th percentile (three significant figures). */
  readonly p99: number;
  /** Longest duration recorded (exact). */
  readonly max: number;
}

const EMPTY: LatencySummary = { count: 0, mean: 0, p95: 0, p99: 0, max: 0 };

/**
 * Records durations and reports count, mean and tail percentiles. Backed by
 * `perf_hooks.createHistogram()` in whole microseconds (the histogram takes integers ≥ 1, so each
 * sample is stored plus one microsecond and read back minus one); the mean and max are exact.
 */
export class LatencyStats {
  readonly #histogram: RecordableHistogram = createHistogram();
  #count = 0;
  #sumMs = 0;
  #maxMs = 0;

  /** Record one duration in milliseconds; negative and non-finite values count as 0. */
  record(ms: number): void {
    const value = Number.isFinite(ms) && ms > 0 ? ms : 0;
    this.#histogram.record(Math.round(value * 1000) + 1);
    this.#count += 1;
    this.#sumMs += value;
    this.#maxMs = Math.max(this.#maxMs, value);
  }

  /** Count, mean, p95, p99 and max of what was recorded so far. */
  summary(): LatencySummary {
    if (this.#count === 0) return EMPTY;
    const ms = (micros: number): number => Math.min(this.#maxMs, Math.max(0, micros - 1) / 1000);
    return {
      count: this.#count,
      mean: this.#sumMs / this.#count,
      p95: ms(this.#histogram.percentile(95)),
      p99: ms(this.#histogram.percentile(99)),
      max: this.#maxMs,
    };
  }

  /** Forget everything recorded. */
  reset(): void {
    this.#histogram.reset();
    this.#count = 0;
    this.#sumMs = 0;
    this.#maxMs = 0;
  }
}
