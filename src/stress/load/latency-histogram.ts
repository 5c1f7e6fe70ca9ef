import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** Latency percentiles, mean and maximum in milliseconds (all 0 when nothing was recorded). */
export interface LatencySnapshot {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly p999: number;
  /** Exact. */
  readonly max: number;
  /** Exact. */
  readonly mean: number;
}

/** One bar of the latency distribution: samples up to `upToMs` (and above the previous bar). */
export interface HistogramBucket {
  readonly upToMs: number;
  readonly count: number;
}

// Two bars per doubling, starting at 1 µs: fine enough to see a shape, few enough to print.
const BARS_PER_OCTAVE = 2;
const FIRST_BAR_NS = 1000;

const EMPTY: LatencySnapshot = {
  count: 0,
  p50: 0,
  p90: 0,
  p95: 0,
  p99: 0,
  p999: 0,
  max: 0,
  mean: 0,
};

/**
 * Records latencies in nanoseconds on `perf_hooks.createHistogram()` (three significant figures,
 * good to p99.99) and keeps a coarse log-scale distribution for the ASCII chart. Mean and max
 * are exact.
 */
export class LatencyHistogram {
  readonly #histogram: RecordableHistogram = createHistogram();
  readonly #bars: number[] = [];
  #count = 0;
  #sumNs = 0;
  #maxNs = 0;

  /** Record one latency in nanoseconds (values below 1 ns count as 1 ns). */
  record(ns: number): void {
    const value = Number.isFinite(ns) && ns >= 1 ? Math.round(ns) : 1;
    this.#histogram.record(value);
    this.#count += 1;
    this.#sumNs += value;
    if (value > this.#maxNs) this.#maxNs = value;
    const bar = Math.max(0, Math.ceil(Math.log2(value / FIRST_BAR_NS) * BARS_PER_OCTAVE));
    this.#bars[bar] = (this.#bars[bar] ?? 0) + 1;
  }

  /** How many latencies were recorded. */
  get count(): number {
    return this.#count;
  }

  /** Percentiles, mean and max of what was recorded, in milliseconds. */
  snapshot(): LatencySnapshot {
    if (this.#count === 0) return EMPTY;
    const ms = (ns: number): number => Math.min(ns, this.#maxNs) / 1e6;
    const at = (p: number): number => ms(this.#histogram.percentile(p));
    return {
      count: this.#count,
      p50: at(50),
      p90: at(90),
      p95: at(95),
      p99: at(99),
      p999: at(99.9),
      max: this.#maxNs / 1e6,
      mean: this.#sumNs / this.#count / 1e6,
    };
  }

  /** The distribution from the first to the last non-empty bar (empty bars in between kept). */
  buckets(): HistogramBucket[] {
    const first = this.#bars.findIndex((n) => n !== undefined && n > 0);
    if (first < 0) return [];
    const out: HistogramBucket[] = [];
    for (let bar = first; bar < this.#bars.length; bar += 1) {
      out.push({
        upToMs: (FIRST_BAR_NS * 2 ** (bar / BARS_PER_OCTAVE)) / 1e6,
        count: this.#bars[bar] ?? 0,
      });
    }
    return out;
  }
}
