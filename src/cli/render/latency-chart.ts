import type { HistogramBucket } from '../../stress/load/latency-histogram.js';
import { formatMs } from '../../stress/judging/metrics.js';

/** Options of {@link renderLatencyChart}. */
export interface LatencyChartOptions {
  /** Most bars; adjacent ones are merged beyond it. @default 8 */
  readonly rows?: number;
  /** Width of the longest bar, in characters. @default 40 */
  readonly width?: number;
}

/**
 * A latency distribution as ASCII bars on a log scale, one line per range, so a person sees its
 * shape (one hump, a long tail, two modes) and not only percentiles.
 */
export function renderLatencyChart(
  buckets: readonly HistogramBucket[],
  options: LatencyChartOptions = {},
): string {
  const rows = merge(buckets, options.rows ?? 8);
  if (rows.length === 0) return '';
  const width = options.width ?? 40;
  const most = Math.max(...rows.map((r) => r.count));
  const labels = rows.map((r) => `<= ${formatMs(r.upToMs)}`);
  const pad = Math.max(...labels.map((l) => l.length));
  return rows
    .map((row, i) => {
      const length = most === 0 ? 0 : Math.round((row.count / most) * width);
      const bar = '#'.repeat(row.count > 0 ? Math.max(1, length) : 0);
      return `  ${(labels[i] ?? '').padStart(pad)} |${bar.padEnd(width)} ${row.count}`;
    })
    .join('\n')
    .concat('\n');
}

function merge(buckets: readonly HistogramBucket[], rows: number): HistogramBucket[] {
  const size = Math.max(1, Math.ceil(buckets.length / rows));
  const out: HistogramBucket[] = [];
  for (let i = 0; i < buckets.length; i += size) {
    const group = buckets.slice(i, i + size);
    out.push({
      upToMs: group.at(-1)?.upToMs ?? 0,
      count: group.reduce((sum, b) => sum + b.count, 0),
    });
  }
  return out;
}
