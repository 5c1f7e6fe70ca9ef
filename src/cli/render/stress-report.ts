import { formatMs } from '../../stress/judging/metrics.js';
import type { ScenarioReport, StressReport } from '../../stress/report.js';
import {
  REPORT_COLUMNS,
  cleanupLine,
  loadLine,
  reportRows,
  scenarioNotes,
  skippedLines,
  verdictLine,
} from '../../stress/reports/report-lines.js';
import { styles, type TerminalFeatures } from '../terminal.js';
import { renderLatencyChart } from './latency-chart.js';
import { renderTable } from './table.js';

const ALARMING = /^(FAIL|interrupted|not judged|insufficient)/;

/** The report as a person reads it: the table, a latency chart per scenario, notes, the verdict. */
export function renderStressReport(report: StressReport, term: TerminalFeatures): string {
  const s = styles(term.color);
  const rows = reportRows(report).map((row) =>
    row.map((cell) => (ALARMING.test(cell) ? s.red(cell) : cell)),
  );
  let text = renderTable(REPORT_COLUMNS, rows, term);
  if (term.interactive) {
    for (const scenario of report.scenarios) text += chartBlock(scenario);
  }
  const notes = [...scenarioNotes(report), ...skippedLines(report)];
  const load = loadLine(report);
  if (load !== undefined) notes.unshift(load);
  if (notes.length > 0) text += `\n${notes.join('\n')}\n`;
  text += `\n${cleanupLine(report)}\n`;
  const line = verdictLine(report);
  return `${text}${report.verdict === 'pass' ? s.green(line) : s.red(line)}\n`;
}

function chartBlock(scenario: ScenarioReport): string {
  if (scenario.latencyMs.count < 2) return '';
  const l = scenario.latencyMs;
  return `\n${scenario.id}: latency of ${l.count} successful operations (mean ${formatMs(l.mean)}, p99.9 ${formatMs(l.p999)}, max ${formatMs(l.max)})\n${renderLatencyChart(scenario.histogram)}`;
}
