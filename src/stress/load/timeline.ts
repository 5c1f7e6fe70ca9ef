/** One time bucket of a scenario's measured window. */
export interface TimelinePoint {
  /** Start of the bucket, in ms since the measured window began. */
  readonly atMs: number;
  /** Operations that succeeded and failed in it (by when they ended). */
  readonly ok: number;
  readonly failed: number;
  /** Latency of its successful operations, in ms (about 19% precision); null without any. */
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  /** Exact. */
  readonly max: number | null;
}

/** Throughput, failures and latency over a scenario's measured window, bucket by bucket. */
export interface Timeline {
  readonly bucketMs: number;
  readonly points: readonly TimelinePoint[];
}

/** What {@link TimelineRecorder} is set to. */
export interface TimelineOptions {
  /** Width of a bucket at first. @default 10 */
  readonly bucketMs?: number;
  /** Most buckets; beyond, neighbours merge and buckets get twice as wide. @default 60 */
  readonly maxBuckets?: number;
}

interface Bucket {
  ok: number;
  failed: number;
  maxNs: number;
  /** Successes by log-scale bar (four per doubling from 1 µs); sparse. */
  bars: number[];
}

const BARS_PER_OCTAVE = 4;
const FIRST_BAR_NS = 1000;
const barOf = (ns: number): number =>
  Math.max(0, Math.ceil(Math.log2(Math.max(ns, 1) / FIRST_BAR_NS) * BARS_PER_OCTAVE));
const barTopNs = (bar: number): number => FIRST_BAR_NS * 2 ** (bar / BARS_PER_OCTAVE);

/**
 * Counts successes, failures and a coarse latency distribution per time bucket, for the report's
 * charts over time: a few additions per operation, and at most `maxBuckets` buckets however long
 * the scenario runs (neighbours merge when the window outgrows them).
 */
export class TimelineRecorder {
  readonly #maxBuckets: number;
  #bucketNs: number;
  #originNs: number | undefined;
  #buckets: Bucket[] = [];

  constructor(options: TimelineOptions = {}) {
    this.#bucketNs = (options.bucketMs ?? 10) * 1e6;
    this.#maxBuckets = Math.max(2, options.maxBuckets ?? 60);
  }

  /** Start the timeline at `ns` (the measured window's start); the first record otherwise. */
  start(ns: number): void {
    this.#originNs ??= ns;
  }

  /** An operation that ended at `atNs` after `latencyNs`. */
  success(atNs: number, latencyNs: number): void {
    const bucket = this.#bucket(atNs);
    bucket.ok += 1;
    if (latencyNs > bucket.maxNs) bucket.maxNs = latencyNs;
    const bar = barOf(latencyNs);
    bucket.bars[bar] = (bucket.bars[bar] ?? 0) + 1;
  }

  /** An operation that failed at `atNs`. */
  failure(atNs: number): void {
    this.#bucket(atNs).failed += 1;
  }

  /** The buckets so far, from the first to the last that saw an operation. */
  snapshot(): Timeline {
    const bucketMs = this.#bucketNs / 1e6;
    const points = Array.from(this.#buckets, (b, i): TimelinePoint => {
      const bucket = b ?? empty();
      return {
        atMs: i * bucketMs,
        ok: bucket.ok,
        failed: bucket.failed,
        p50: percentile(bucket, 0.5),
        p95: percentile(bucket, 0.95),
        p99: percentile(bucket, 0.99),
        max: bucket.ok === 0 ? null : bucket.maxNs / 1e6,
      };
    });
    return { bucketMs, points };
  }

  #bucket(atNs: number): Bucket {
    this.#originNs ??= atNs;
    let index = Math.max(0, Math.floor((atNs - this.#originNs) / this.#bucketNs));
    while (index >= this.#maxBuckets) {
      this.#coarsen();
      index = Math.floor(index / 2);
    }
    for (let i = this.#buckets.length; i <= index; i += 1) this.#buckets.push(empty());
    return this.#buckets[index] as Bucket;
  }

  // Merge neighbours pairwise: half as many buckets, twice as wide.
  #coarsen(): void {
    const merged: Bucket[] = [];
    for (let i = 0; i < this.#buckets.length; i += 2) {
      const a = this.#buckets[i] as Bucket;
      const b = this.#buckets[i + 1];
      if (b !== undefined) {
        a.ok += b.ok;
        a.failed += b.failed;
        a.maxNs = Math.max(a.maxNs, b.maxNs);
        b.bars.forEach((n, bar) => (a.bars[bar] = (a.bars[bar] ?? 0) + n));
      }
      merged.push(a);
    }
    this.#buckets = merged;
    this.#bucketNs *= 2;
  }
}

const empty = (): Bucket => ({ ok: 0, failed: 0, maxNs: 0, bars: [] });

function percentile(bucket: Bucket, p: number): number | null {
  if (bucket.ok === 0) return null;
  const rank = Math.ceil(bucket.ok * p);
  let seen = 0;
  for (let bar = 0; bar < bucket.bars.length; bar += 1) {
    seen += bucket.bars[bar] ?? 0;
    if (seen >= rank) return Math.min(barTopNs(bar), bucket.maxNs) / 1e6;
  }
  return bucket.maxNs / 1e6;
}
