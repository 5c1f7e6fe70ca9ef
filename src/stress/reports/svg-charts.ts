import type { TargetResult } from '../judging/evaluate.js';
import { formatMs } from '../judging/metrics.js';
import type { HistogramBucket } from '../load/latency-histogram.js';
import type { Timeline } from '../load/timeline.js';

/** A target drawn on a chart: where, and whether it held. */
export interface TargetMark {
  readonly id: string;
  readonly label: string;
  /** In the chart's unit (ms, or ops/s). */
  readonly value: number;
  readonly status: TargetResult['status'];
}

const W = 640;
const H = 230;
const M = { left: 58, right: 18, top: 14, bottom: 38 } as const;
const PLOT_W = W - M.left - M.right;
const PLOT_H = H - M.top - M.bottom;

/** Escape text for HTML and SVG. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const n = (v: number): string => String(Math.round(v * 10) / 10);

function frame(kind: string, title: string, body: string[]): string {
  return [
    `<svg class="chart" data-chart="${kind}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}" xmlns="http://www.w3.org/2000/svg">`,
    `<title>${esc(title)}</title>`,
    ...body,
    '</svg>',
  ].join('\n');
}

function empty(kind: string, title: string, why: string): string {
  return frame(kind, title, [
    `<rect class="plot" x="${M.left}" y="${M.top}" width="${PLOT_W}" height="${PLOT_H}"/>`,
    `<text class="empty" x="${M.left + PLOT_W / 2}" y="${M.top + PLOT_H / 2}" text-anchor="middle">${esc(why)}</text>`,
  ]);
}

/** Round steps for a linear axis from 0 to at least `max`: about five ticks. */
function linearTicks(max: number): { top: number; ticks: number[] } {
  const raw = Math.max(max, 1e-9) / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((f) => f * power >= raw) ?? 10) * power;
  const top = Math.ceil(max / step) * step || step;
  const ticks: number[] = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push(v);
  return { top, ticks };
}

function yAxis(
  ticks: readonly number[],
  y: (v: number) => number,
  label: (v: number) => string,
): string[] {
  return ticks.flatMap((v) => [
    `<line class="grid" x1="${M.left}" x2="${M.left + PLOT_W}" y1="${n(y(v))}" y2="${n(y(v))}"/>`,
    `<text class="tick" x="${M.left - 6}" y="${n(y(v) + 4)}" text-anchor="end">${esc(label(v))}</text>`,
  ]);
}

function axisTitles(x: string, y: string): string[] {
  return [
    `<text class="axis" x="${M.left + PLOT_W / 2}" y="${H - 4}" text-anchor="middle">${esc(x)}</text>`,
    `<text class="axis" x="12" y="${M.top + PLOT_H / 2}" text-anchor="middle" transform="rotate(-90 12 ${M.top + PLOT_H / 2})">${esc(y)}</text>`,
  ];
}

function targetLine(
  mark: TargetMark,
  at: { x1: number; x2: number; y1: number; y2: number },
  labelY?: number,
): string {
  const cls = mark.status === 'pass' ? 'pass' : mark.status === 'fail' ? 'fail' : 'unjudged';
  const vertical = at.x1 === at.x2;
  const lx = vertical ? at.x1 + 4 : at.x2 - 4;
  const ly = labelY ?? at.y1 - 4;
  return [
    `<g class="target ${cls}" data-target="${esc(mark.id)}">`,
    `<title>${esc(`target ${mark.id}: ${mark.label} (${mark.status})`)}</title>`,
    `<line x1="${n(at.x1)}" x2="${n(at.x2)}" y1="${n(at.y1)}" y2="${n(at.y2)}"/>`,
    `<text x="${n(lx)}" y="${n(ly)}" text-anchor="${vertical ? 'start' : 'end'}">${esc(mark.label)}</text>`,
    '</g>',
  ].join('');
}

/** Percentile markers drawn on the histogram. */
export interface Percentiles {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

/**
 * The latency distribution as bars on a log scale (two per doubling), the percentiles as dashed
 * lines, latency targets as solid lines, and a previous run's distribution as an outline.
 */
export function histogramChart(
  buckets: readonly HistogramBucket[],
  percentiles: Percentiles,
  targets: readonly TargetMark[],
  baseline?: readonly HistogramBucket[],
): string {
  const title = 'latency distribution of the successful operations';
  const total = buckets.reduce((sum, b) => sum + b.count, 0);
  if (total === 0) return empty('histogram', title, 'no successful operation to show');
  // The x axis spans the bars, the targets and the baseline, in half-octave steps.
  const values = [
    ...buckets.map((b) => b.upToMs),
    ...targets.map((t) => t.value).filter((v) => v > 0),
    ...(baseline ?? []).filter((b) => b.count > 0).map((b) => b.upToMs),
  ];
  const low = Math.min(...values) / Math.SQRT2;
  const high = Math.max(...values);
  const span = Math.max(1, Math.log2(high / low) * 2);
  const x = (ms: number): number =>
    M.left + (Math.log2(Math.max(ms, low) / low) * 2 * PLOT_W) / span;
  const barW = PLOT_W / span;
  const share = (b: HistogramBucket, sum: number): number => b.count / sum;
  const baseSum = (baseline ?? []).reduce((sum, b) => sum + b.count, 0);
  const most = Math.max(
    ...buckets.map((b) => share(b, total)),
    ...(baseline ?? []).map((b) => (baseSum === 0 ? 0 : share(b, baseSum))),
  );
  const { top, ticks } = linearTicks(most * 100);
  const y = (percent: number): number => M.top + PLOT_H - (percent / top) * PLOT_H;
  const body = [
    `<rect class="plot" x="${M.left}" y="${M.top}" width="${PLOT_W}" height="${PLOT_H}"/>`,
    ...yAxis(ticks, y, (v) => `${n(v)}%`),
    ...buckets.map((b) => {
      const h = M.top + PLOT_H - y(share(b, total) * 100);
      return `<rect class="bar" data-up-to-ms="${b.upToMs}" x="${n(x(b.upToMs) - barW + 1)}" y="${n(M.top + PLOT_H - h)}" width="${n(Math.max(1, barW - 2))}" height="${n(h)}"><title>${esc(`${formatMs(b.upToMs / Math.SQRT2)} – ${formatMs(b.upToMs)}: ${b.count} operations`)}</title></rect>`;
    }),
    ...logTicks(low, high).map(
      (ms) =>
        `<text class="tick" x="${n(x(ms))}" y="${M.top + PLOT_H + 14}" text-anchor="middle">${esc(formatMs(ms))}</text>`,
    ),
  ];
  if (baseline !== undefined && baseSum > 0) {
    const points = baseline.flatMap((b) => {
      const top2 = y(share(b, baseSum) * 100);
      return [`${n(x(b.upToMs) - barW)},${n(top2)}`, `${n(x(b.upToMs))},${n(top2)}`];
    });
    body.push(
      `<polyline class="baseline" points="${points.join(' ')}"><title>the baseline run's distribution</title></polyline>`,
    );
  }
  // Labels on rows of their own, so that close lines keep readable labels.
  Object.entries(percentiles).forEach(([name, ms], row) => {
    body.push(
      `<g class="pct"><line x1="${n(x(ms))}" x2="${n(x(ms))}" y1="${M.top}" y2="${M.top + PLOT_H}"/><text x="${n(x(ms) + 3)}" y="${M.top + 11 + row * 11}">${esc(`${name} ${formatMs(ms)}`)}</text></g>`,
    );
  });
  targets.forEach((t, row) => {
    const at = { x1: x(t.value), x2: x(t.value), y1: M.top, y2: M.top + PLOT_H };
    body.push(targetLine(t, at, M.top + PLOT_H - 6 - row * 12));
  });
  body.push(...axisTitles('latency (log scale)', 'share of operations'));
  return frame('histogram', title, body);
}

// Labels at 1, 10, 100… of a unit (and 2 and 5 between them when few fit).
function logTicks(low: number, high: number): number[] {
  const decades: number[] = [];
  for (let p = Math.floor(Math.log10(low)); 10 ** p <= high * 1.0001; p += 1) decades.push(10 ** p);
  const inside = (list: number[]): number[] => list.filter((v) => v >= low && v <= high * 1.0001);
  const main = inside(decades);
  if (main.length >= 3) return main;
  return inside(decades.flatMap((d) => [d, 2 * d, 5 * d]));
}

/** One line drawn over time. */
interface Series {
  readonly name: string;
  readonly cls: string;
  readonly values: readonly (number | null)[];
  readonly unit: (v: number) => string;
}

function timeChart(
  kind: string,
  title: string,
  timeline: Timeline,
  series: readonly Series[],
  targets: readonly TargetMark[],
  yTitle: string,
  yLabel: (v: number) => string,
  log = false,
): string {
  const points = timeline.points;
  const seen = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  if (points.length === 0 || seen.length === 0) {
    return empty(kind, title, 'no operation measured over time');
  }
  const endS = (points.length * timeline.bucketMs) / 1000;
  const x = (i: number): number => M.left + ((i + 0.5) * timeline.bucketMs * PLOT_W) / 1000 / endS;
  const values = [...seen, ...targets.map((t) => t.value)];
  const { at: y, ticks } = log ? logScale(values) : linearScale(values);
  const xTicks = linearTicks(endS).ticks.filter((s) => s <= endS + 1e-9);
  const body = [
    `<rect class="plot" x="${M.left}" y="${M.top}" width="${PLOT_W}" height="${PLOT_H}"/>`,
    ...yAxis(ticks, y, yLabel),
    ...xTicks.map(
      (s) =>
        `<text class="tick" x="${n(M.left + (s * PLOT_W) / endS)}" y="${M.top + PLOT_H + 14}" text-anchor="middle">${esc(s === 0 ? '0' : formatMs(s * 1000))}</text>`,
    ),
  ];
  for (const s of series) {
    const at = s.values.flatMap((v, i) => (v === null ? [] : [{ i, v }]));
    body.push(
      `<g class="series ${s.cls}" data-series="${esc(s.name)}">`,
      `<polyline points="${at.map(({ i, v }) => `${n(x(i))},${n(y(v))}`).join(' ')}"/>`,
      ...at.map(
        ({ i, v }) =>
          `<circle class="pt" cx="${n(x(i))}" cy="${n(y(v))}" r="2.2"><title>${esc(`${n((i * timeline.bucketMs) / 1000)}s: ${s.name} ${s.unit(v)}`)}</title></circle>`,
      ),
      '</g>',
    );
  }
  for (const t of targets) {
    body.push(targetLine(t, { x1: M.left, x2: M.left + PLOT_W, y1: y(t.value), y2: y(t.value) }));
  }
  body.push(
    ...axisTitles(`time since measuring began (buckets of ${n(timeline.bucketMs)}ms)`, yTitle),
  );
  return frame(kind, title, body);
}

interface Scale {
  readonly at: (v: number) => number;
  readonly ticks: number[];
}

function linearScale(values: readonly number[]): Scale {
  const { top, ticks } = linearTicks(Math.max(...values) * 1.05);
  return { at: (v) => M.top + PLOT_H - (v / top) * PLOT_H, ticks };
}

// From the decade below the least value to the one above the greatest.
function logScale(values: readonly number[]): Scale {
  const positive = values.filter((v) => v > 0);
  const low = 10 ** Math.floor(Math.log10(Math.min(...positive)));
  const high = 10 ** Math.ceil(Math.log10(Math.max(...positive) * 1.0001));
  const span = Math.max(1, Math.log10(high / low));
  return {
    at: (v) => M.top + PLOT_H - (Math.log10(Math.max(v, low) / low) / span) * PLOT_H,
    ticks: logTicks(low, high),
  };
}

/** p50, p95 and p99 latency per time bucket, with latency targets as horizontal lines. */
export function latencyOverTimeChart(timeline: Timeline, targets: readonly TargetMark[]): string {
  const pick = (k: 'p50' | 'p95' | 'p99') => timeline.points.map((p) => p[k]);
  return timeChart(
    'latency',
    'latency over time (p50, p95, p99 of each bucket)',
    timeline,
    [
      { name: 'p50', cls: 's1', values: pick('p50'), unit: formatMs },
      { name: 'p95', cls: 's2', values: pick('p95'), unit: formatMs },
      { name: 'p99', cls: 's3', values: pick('p99'), unit: formatMs },
    ],
    targets,
    'latency (log scale)',
    (v) => formatMs(v),
    true,
  );
}

/** Successful and failed operations per second over time, with throughput targets as lines. */
export function throughputChart(timeline: Timeline, targets: readonly TargetMark[]): string {
  const perSecond = (count: number): number => (count * 1000) / timeline.bucketMs;
  const ops = (v: number): string => `${Math.round(v)} ops/s`;
  return timeChart(
    'throughput',
    'throughput over time (successful and failed operations per second)',
    timeline,
    [
      { name: 'ok/s', cls: 'ok', values: timeline.points.map((p) => perSecond(p.ok)), unit: ops },
      {
        name: 'failed/s',
        cls: 'failed',
        values: timeline.points.map((p) => perSecond(p.failed)),
        unit: ops,
      },
    ],
    targets,
    'operations per second',
    (v) => String(Math.round(v)),
  );
}
