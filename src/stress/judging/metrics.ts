/** What a metric measures, which decides the unit its targets must be written in. */
export type MetricKind = 'time' | 'percent' | 'rate' | 'count';

/** One figure a scenario reports: its value in the kind's base unit and how many samples back it. */
export interface MetricValue {
  /** Milliseconds (time), percent (percent), operations per second (rate) or a count. */
  readonly value: number;
  /** Observations behind the value (operations, rounds); 0 means nothing was measured. */
  readonly samples: number;
}

/** The figures of one scenario by metric name (`p95`, `read.p99`, `successRate`, `recovery`…). */
export type MetricTable = ReadonlyMap<string, MetricValue>;

/** The latency statistics every latency figure offers. */
export const LATENCY_STATS = ['p50', 'p90', 'p95', 'p99', 'p999', 'max', 'mean'] as const;

/** One of {@link LATENCY_STATS}. */
export type LatencyStat = (typeof LATENCY_STATS)[number];

/** Operation types whose latency is reported on its own as `<type>.<stat>`. */
export const OPERATION_TYPES = ['read', 'write'] as const;

/** One of {@link OPERATION_TYPES}. */
export type OperationType = (typeof OPERATION_TYPES)[number];

/** Metrics every scenario reports, beyond the latency statistics. */
const COMMON: Readonly<Record<string, MetricKind>> = {
  successRate: 'percent',
  throughput: 'rate',
  errors: 'count',
  duration: 'time',
  crashes: 'count',
  dropped: 'count',
  late: 'count',
  'eventLoop.p99': 'time',
  'eventLoop.max': 'time',
};

/**
 * The metrics a scenario reports beyond those every scenario has, with their kinds (a scenario
 * declares its own: `{ recovery: 'time' }`).
 */
export type ExtraMetrics = Readonly<Record<string, MetricKind>>;

/** The kind of a metric every scenario reports, or `undefined` for any other name. */
export function commonMetricKind(name: string): MetricKind | undefined {
  const [group, stat] = name.includes('.') ? name.split('.', 2) : [undefined, name];
  if ((LATENCY_STATS as readonly string[]).includes(stat ?? '')) {
    if (group === undefined || (OPERATION_TYPES as readonly string[]).includes(group))
      return 'time';
  }
  return COMMON[name];
}

/** The kind of `name` on a scenario that reports `extras`, or `undefined` when it has no such metric. */
export function metricKind(name: string, extras: ExtraMetrics): MetricKind | undefined {
  return commonMetricKind(name) ?? (Object.hasOwn(extras, name) ? extras[name] : undefined);
}

/** Every metric name a scenario with `extras` accepts, for error messages. */
export function metricNames(extras: ExtraMetrics): string[] {
  return [
    ...LATENCY_STATS,
    ...OPERATION_TYPES.map((type) => `${type}.<${LATENCY_STATS.join('|')}>`),
    ...Object.keys(COMMON),
    ...Object.keys(extras),
  ];
}

/** Units a target may be written in, by metric kind, with their factor to the base unit. */
export const UNITS: Readonly<Record<MetricKind, Readonly<Record<string, number>>>> = {
  time: { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000 },
  percent: { '%': 1 },
  rate: { 'ops/s': 1, '/s': 1 },
  count: { '': 1 },
};

/** How a value of `kind` is written: `12.3ms`, `99.5%`, `812 ops/s`, `3`. */
export function formatMetric(value: number | null, kind: MetricKind): string {
  if (value === null || !Number.isFinite(value)) return '–';
  switch (kind) {
    case 'time':
      return formatMs(value);
    case 'percent':
      return `${trim(value, value >= 99.95 && value < 100 ? 2 : 1)}%`;
    case 'rate':
      return `${Math.round(value)} ops/s`;
    case 'count':
      return String(Math.round(value * 100) / 100);
  }
}

/** Milliseconds with a sensible precision: `0.42ms`, `12.3ms`, `1.25s`. */
export function formatMs(ms: number): string {
  if (ms >= 1000) return `${trim(ms / 1000, 2)}s`;
  if (ms >= 100) return `${Math.round(ms)}ms`;
  if (ms >= 10) return `${trim(ms, 1)}ms`;
  return `${trim(ms, 2)}ms`;
}

function trim(value: number, digits: number): string {
  return String(Number(value.toFixed(digits)));
}
