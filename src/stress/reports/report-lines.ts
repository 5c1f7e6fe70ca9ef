import { formatBytes, formatDuration } from '../../config/units.js';
import type { TargetResult } from '../judging/evaluate.js';
import { formatMetric, formatMs, type MetricKind } from '../judging/metrics.js';
import type { ScenarioReport, StressReport } from '../report.js';

/** Columns of the report table (the terminal's, the piped lines' and the Markdown summary's). */
export const REPORT_COLUMNS = [
  'scenario',
  'ops',
  'ok',
  'failed',
  'top errors',
  'success %',
  'target',
  'p50',
  'p95',
  'p99',
  'verdict',
  'source',
] as const;

const KIND_OF_UNIT: Readonly<Record<string, MetricKind>> = {
  ms: 'time',
  '%': 'percent',
  'ops/s': 'rate',
  count: 'count',
};

/** The metric kind of a target, from its unit. */
export const targetKind = (target: TargetResult): MetricKind =>
  KIND_OF_UNIT[target.unit] ?? 'count';

/** `successRate >= 98% → 100%`: a target and what was measured. */
export function targetCell(target: TargetResult): string {
  return `${target.expr} → ${formatMetric(target.actual, targetKind(target))}`;
}

/** A target's verdict: `pass`, `FAIL`, `insufficient (3/5 samples)` or `not judged`. */
export function statusCell(target: TargetResult): string {
  switch (target.status) {
    case 'pass':
      return 'pass';
    case 'fail':
      return 'FAIL';
    case 'insufficient':
      return `insufficient (${target.samples}/${target.minSamples} samples)`;
    case 'not-judged':
      return 'not judged';
  }
}

/** The most frequent failure codes of a scenario: `E_QUEUE_FULL 1040, E_QUEUE_TIMEOUT 29 (+1 more)`. */
export function topErrorsCell(scenario: ScenarioReport, most = 2): string {
  const top = scenario.topErrors;
  if (top.length === 0) return '–';
  const shown = top.slice(0, most).map((e) => `${e.code} ${e.count}`);
  const rest = top.length - most;
  return `${shown.join(', ')}${rest > 0 ? ` (+${rest} more)` : ''}`;
}

/** One row per target (scenario figures on its first row), or one row for a scenario without targets. */
export function reportRows(report: StressReport): string[][] {
  return report.scenarios.flatMap((s) => {
    const figures = [
      s.id,
      String(s.attempted),
      String(s.succeeded),
      String(s.failed),
      topErrorsCell(s),
      formatMetric(s.successRate, 'percent'),
    ];
    const latency = [s.latencyMs.p50, s.latencyMs.p95, s.latencyMs.p99].map((ms) =>
      s.latencyMs.count === 0 ? '–' : formatMs(ms),
    );
    if (s.targets.length === 0) {
      const why = s.error === null ? 'no target' : `could not run: ${s.error.code}`;
      const verdict = s.verdict === 'pass' ? '–' : verdictCell(s);
      return [[...figures, why, ...latency, verdict, s.source]];
    }
    return s.targets.map((t, i) => {
      const lead = i === 0 ? figures : figures.map(() => '');
      const lat = i === 0 ? latency : ['', '', ''];
      return [...lead, targetCell(t), ...lat, statusCell(t), t.source];
    });
  });
}

const verdictCell = (s: ScenarioReport): string =>
  s.verdict === 'interrupted' ? 'interrupted' : 'FAIL';

/** The verdict line: `PASS: 20 of 20 targets met (profile seed, 58.2s, seed 42; …)`. */
export function verdictLine(report: StressReport): string {
  const { summary } = report;
  const missed = summary.failed + summary.insufficient;
  let head: string;
  switch (report.verdict) {
    case 'pass':
      head = `PASS: ${summary.passed} of ${summary.targets} targets met`;
      break;
    case 'fail':
      head = `FAIL: ${missed} of ${summary.targets} targets missed (${summary.failed} failed, ${summary.insufficient} insufficient)`;
      break;
    case 'interrupted':
      head = `INTERRUPTED ${interruptionText(report)}: ${summary.passed} of ${summary.targets} targets met, ${missed} missed, ${summary.notJudged} not judged`;
      break;
  }
  const skipped =
    report.skipped.length === 0
      ? ''
      : `; ${report.skipped.length} scenario(s) skipped with ${loadLabel(report)}`;
  return `${head} (profile ${report.profile}, ${formatDuration(report.durationMs)}, seed ${report.seed}; repeat with --seed ${report.seed})${skipped}`;
}

/** `by Ctrl-C during memory, before 2 more scenarios`: what cut a run short, and where. */
export function interruptionText(report: StressReport): string {
  const i = report.interrupted;
  if (i === null) return '';
  const by = i.by === 'signal' ? 'by a signal (Ctrl-C)' : 'by the --timeout budget';
  const during = i.during === null ? '' : ` during ${i.during}`;
  const n = i.notRun.length;
  const before = n === 0 ? '' : `, before ${n} more scenario${n === 1 ? '' : 's'}`;
  return `${by}${during}${before}`;
}

/** The load flag of a run as the user wrote it: `--processes 4`, `--http`, or '' in-process. */
export function loadLabel(report: StressReport): string {
  switch (report.loadSource) {
    case 'in-process':
      return '';
    case 'processes':
      return `--processes ${report.loadProcesses?.workers.length ?? '?'}`;
    case 'http':
      return '--http';
  }
}

/** Where the load came from, when not from this process: one line. */
export function loadLine(report: StressReport): string | undefined {
  const p = report.loadProcesses;
  if (p === null) return undefined;
  const serve =
    p.serve === null
      ? 'straight to the PostgreSQL server'
      : `through serve pid ${p.serve.pid} (${p.serve.startedByRun ? 'started and stopped by this run' : 'already running'})`;
  const who =
    report.loadSource === 'http'
      ? "HTTP requests from autocannon in this process (the table times each response with process.hrtime; autocannon's own figures below are whole milliseconds)"
      : `${p.workers.length} worker processes (pids ${p.workers.join(', ')})`;
  return `load: ${who}, ${serve}`;
}

/** What a scenario's load outside this process adds: the workers' shares, or autocannon's summary. */
export function remoteNote(scenario: ScenarioReport): string | undefined {
  const remote = scenario.remote;
  if (remote === null) return undefined;
  switch (remote.kind) {
    case 'processes': {
      const shares = remote.workers.map((w) => `${w.succeeded}/${w.attempted}`).join(', ');
      return `ok/attempted per worker: ${shares}`;
    }
    case 'http': {
      const a = remote.autocannon;
      const l = a.latencyMs;
      return `autocannon: ${a.requests} responses (${a['2xx']} 2xx, ${a.non2xx} other), ${a.errors} errors, ${a.timeouts} timeouts; latency p50 ${l.p50}ms, p90 ${l.p90}ms, p99 ${l.p99}ms, max ${l.max}ms`;
    }
  }
}

/** One line per scenario the load source could not run. */
export function skippedLines(report: StressReport): string[] {
  const label = loadLabel(report);
  return report.skipped.map((s) => `${s.id}: skipped with ${label}: ${s.reason}`);
}

/** Notes of every scenario, `id: note`, as the terminal and Markdown print them. */
export function scenarioNotes(report: StressReport): string[] {
  return report.scenarios.flatMap((sc) => [
    ...sc.notes.map((n) => `${sc.id}: ${n}`),
    ...[remoteNote(sc)].flatMap((n) => (n === undefined ? [] : [`${sc.id}: ${n}`])),
    ...(sc.error === null
      ? []
      : [`${sc.id}: could not run: [${sc.error.code}] ${sc.error.message}`]),
    ...(sc.verdict === 'interrupted'
      ? [
          `${sc.id}: interrupted after ${formatDuration(sc.durationMs)} of load; its targets are not judged`,
        ]
      : []),
    ...(sc.generatorBound
      ? [
          `${sc.id}: the generator's event loop stalled (p99 ${formatMs(sc.eventLoopDelayMs.p99)}, max ${formatMs(sc.eventLoopDelayMs.max)}), longer than most operations took: it, not the store, limited the load (--rate measures from each operation's intended start)`,
        ]
      : []),
  ]);
}

/** What the run gave back at the end: `deleted 1075 keys the run wrote; VACUUM + CHECKPOINT …`. */
export function cleanupLine(report: StressReport): string {
  const c = report.cleanup;
  const keys = c.kept
    ? 'kept the keys the run wrote (--keep)'
    : `deleted ${c.deletedKeys} keys the run wrote`;
  const reclaim =
    c.reclaim.how === 'vacuum+checkpoint'
      ? `; VACUUM + CHECKPOINT reclaimed the space the run used${sizes(c.reclaim)}`
      : c.reclaim.how === 'server'
        ? '; the PostgreSQL server reclaims their space by itself (autovacuum)'
        : '';
  return `${keys}${reclaim}${c.error === null ? '' : `; cleanup failed: ${c.error}`}`;
}

// The data directory with its WAL (at least its floor, two 16 MiB segments, once used), or
// pgcache's tables when the store is reached through serve.
function sizes(r: StressReport['cleanup']['reclaim']): string {
  const { diskBytesBefore: before, diskBytesAfter: after } = r;
  if (before === null || after === null) return '';
  if (r.walBytesBefore === null || r.walBytesAfter === null) {
    return `: pgcache's tables take ${formatBytes(after)}, ${formatBytes(before)} before the run`;
  }
  return `: ${formatBytes(after)} on disk with ${formatBytes(r.walBytesAfter)} of WAL (its floor is 32 MiB once used), ${formatBytes(before)} with ${formatBytes(r.walBytesBefore)} before the run`;
}
