import { formatDuration } from '../../config/units.js';
import type { StressReport } from '../report.js';
import {
  REPORT_COLUMNS,
  cleanupLine,
  loadLine,
  reportRows,
  scenarioNotes,
  skippedLines,
  verdictLine,
} from './report-lines.js';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

const HEADINGS = { pass: 'pass', fail: 'FAIL', interrupted: 'INTERRUPTED' } as const;

/** A Markdown summary for a CI job page: the verdict, the run's facts, and the report table. */
export function renderMarkdown(report: StressReport): string {
  const backend =
    report.backend === null ? 'unknown store' : `${report.backend.engine} (${report.backend.kind})`;
  const m = report.machine;
  const machine =
    m === null ? '' : ` Machine: ${m.hostname}, ${m.cpus} × ${m.cpuModel}, Node ${m.node}.`;
  const lines = [
    `## pgcache stress: ${HEADINGS[report.verdict]}`,
    '',
    verdictLine(report),
    '',
    `Run ${report.runId} on ${backend}, ${formatDuration(report.durationMs)}, load ${report.loadSource}.${machine}`,
    '',
    `| ${REPORT_COLUMNS.join(' | ')} |`,
    `|${REPORT_COLUMNS.map(() => '---').join('|')}|`,
    ...reportRows(report).map((row) => `| ${row.map(cell).join(' | ')} |`),
    '',
  ];
  const notes = [...scenarioNotes(report), ...skippedLines(report), cleanupLine(report)];
  const load = loadLine(report);
  if (load !== undefined) notes.unshift(load);
  lines.push(...notes.map((n) => `- ${cell(n)}`), '');
  return lines.join('\n');
}
