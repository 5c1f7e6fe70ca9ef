import { formatDuration } from '../../config/units.js';
import type { TargetResult } from '../../stress/evaluate.js';
import { formatMetric, formatMs, type MetricKind } from '../../stress/metrics.js';
import type { ScenarioReport, StressReport } from '../../stress/report.js';
import { styles, type TerminalFeatures } from '../terminal.js';
import { renderLatencyChart } from './latency-chart.js';
import { loadLabel, loadLine, remoteNote, skippedLines } from './stress-load.js';
import { renderTable } from './table.js';

/** Columns of the report table (also the Markdown table's). */
export const REPORT_COLUMNS = [
  'scenario',
  'ops',
  'ok',
  'failed',
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

/** `successRate >= 98% → 100%`: a target and what was measured. */
export function targetCell(target: TargetResult): string {
  const kind = KIND_OF_UNIT[target.unit] ?? 'count';
  return `${target.expr} → ${formatMetric(target.actual, kind)}`;
}

/** A target's verdict: `pass`, `FAIL`, or `insufficient (3/5 samples)`. */
export function statusCell(target: TargetResult): string {
  switch (target.status) {
    case 'pass':
      return 'pass';
    case 'fail':
      return 'FAIL';
    case 'insufficient':
      return `insufficient (${target.samples}/${target.minSamples} samples)`;
  }
}

/** One row per target (scenario figures on its first row), or one row for a scenario without targets. */
export function reportRows(report: StressReport): string[][] {
  return report.scenarios.flatMap((s) => {
    const figures = [
      s.id,
      String(s.attempted),
      String(s.succeeded),
      String(s.failed),
      formatMetric(s.successRate, 'percent'),
    ];
    const latency = [s.latencyMs.p50, s.latencyMs.p95, s.latencyMs.p99].map((ms) =>
      s.latencyMs.count === 0 ? '–' : formatMs(ms),
    );
    if (s.targets.length === 0) {
      const why = s.error === null ? 'no target' : `could not run: ${s.error.code}`;
      return [[...figures, why, ...latency, s.error === null ? '–' : 'FAIL', s.source]];
    }
    return s.targets.map((t, i) => {
      const lead = i === 0 ? figures : ['', '', '', '', ''];
      const lat = i === 0 ? latency : ['', '', ''];
      return [...lead, targetCell(t), ...lat, statusCell(t), t.source];
    });
  });
}

/** The verdict line: `PASS: 20 of 20 targets met (profile seed, 58.2s, seed 42)`. */
export function verdictLine(report: StressReport): string {
  const { summary } = report;
  const missed = summary.failed + summary.insufficient;
  const head =
    report.verdict === 'pass'
      ? `PASS: ${summary.passed} of ${summary.targets} targets met`
      : `FAIL: ${missed} of ${summary.targets} targets missed (${summary.failed} failed, ${summary.insufficient} insufficient)`;
  const aborted = report.aborted ? '; interrupted before every scenario ran' : '';
  const skipped =
    report.skipped.length === 0
      ? ''
      : `; ${report.skipped.length} scenario(s) skipped with ${loadLabel(report)}`;
  return `${head} (profile ${report.profile}, ${formatDuration(report.durationMs)}, seed ${report.seed}; repeat with --seed ${report.seed})${aborted}${skipped}`;
}

/** The report as a person reads it: the table, a latency chart per scenario, notes, the verdict. */
export function renderStressReport(report: StressReport, term: TerminalFeatures): string {
  const s = styles(term.color);
  const rows = reportRows(report).map((row) =>
    row.map((cell) => (cell === 'FAIL' || cell.startsWith('insufficient') ? s.red(cell) : cell)),
  );
  let text = renderTable(REPORT_COLUMNS, rows, term);
  if (term.interactive) {
    for (const scenario of report.scenarios) text += chartBlock(scenario);
  }
  const notes = report.scenarios.flatMap((sc) => [
    ...sc.notes.map((n) => `${sc.id}: ${n}`),
    ...[remoteNote(sc)].flatMap((n) => (n === undefined ? [] : [`${sc.id}: ${n}`])),
    ...(sc.error === null
      ? []
      : [`${sc.id}: could not run: [${sc.error.code}] ${sc.error.message}`]),
    ...(sc.generatorBound
      ? [
          `${sc.id}: the generator's event loop stalled (p99 ${formatMs(sc.eventLoopDelayMs.p99)}, max ${formatMs(sc.eventLoopDelayMs.max)}), longer than most operations took: it, not the store, limited the load (--rate measures from each operation's intended start)`,
        ]
      : []),
  ]);
  notes.push(...skippedLines(report));
  const load = loadLine(report);
  if (load !== undefined) notes.unshift(load);
  if (notes.length > 0) text += `\n${notes.join('\n')}\n`;
  const cleanup = report.cleanup;
  text += `\n${cleanup.kept ? 'kept the keys the run wrote (--keep)' : `deleted ${cleanup.deletedKeys} keys the run wrote`}${cleanup.error === null ? '' : `; cleanup failed: ${cleanup.error}`}\n`;
  const line = verdictLine(report);
  return `${text}${report.verdict === 'pass' ? s.green(line) : s.red(line)}\n`;
}

function chartBlock(scenario: ScenarioReport): string {
  if (scenario.latencyMs.count < 2) return '';
  const l = scenario.latencyMs;
  return `\n${scenario.id}: latency of ${l.count} successful operations (mean ${formatMs(l.mean)}, p99.9 ${formatMs(l.p999)}, max ${formatMs(l.max)})\n${renderLatencyChart(scenario.histogram)}`;
}
