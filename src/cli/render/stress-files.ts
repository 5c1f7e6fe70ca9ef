import { formatDuration } from '../../config/units.js';
import type { StressReport } from '../../stress/report.js';
import { loadLine, remoteNote, skippedLines } from './stress-load.js';
import {
  REPORT_COLUMNS,
  reportRows,
  statusCell,
  targetCell,
  verdictLine,
} from './stress-report.js';

const XML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

function xml(text: string): string {
  // Also drop characters XML 1.0 cannot carry at all.
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c);
}

/**
 * JUnit XML for CI systems: one test suite per scenario, one test case per target; a missed
 * target is a `<failure>`, a scenario that could not run an `<error>` on each of its targets.
 */
export function renderJunit(report: StressReport): string {
  const seconds = (ms: number): string => (ms / 1000).toFixed(3);
  const suites = report.scenarios.map((s) => {
    const failures = s.targets.filter((t) => t.status !== 'pass').length;
    const cases = s.targets.map((t) => {
      const name = xml(`${t.id}: ${t.expr}`);
      const open = `    <testcase classname="pgcache.stress.${xml(s.id)}" name="${name}" time="${seconds(s.durationMs)}">`;
      if (s.error !== null) {
        return `${open}\n      <error type="${xml(s.error.code)}" message="${xml(s.error.message)}"/>\n    </testcase>`;
      }
      if (t.status === 'pass') return `${open}</testcase>`;
      const message = xml(`${statusCell(t)}: ${targetCell(t)} (source: ${t.source})`);
      return `${open}\n      <failure type="${t.status}" message="${message}"/>\n    </testcase>`;
    });
    const errors = s.error === null ? 0 : s.targets.length;
    return [
      `  <testsuite name="pgcache stress ${xml(s.id)}" tests="${s.targets.length}" failures="${s.error === null ? failures : 0}" errors="${errors}" time="${seconds(s.durationMs)}">`,
      ...cases,
      '  </testsuite>',
    ].join('\n');
  });
  const skipped = report.skipped.map((s) =>
    [
      `  <testsuite name="pgcache stress ${xml(s.id)}" tests="${s.targets.length}" failures="0" errors="0" skipped="${s.targets.length}" time="0.000">`,
      ...s.targets.map(
        (id) =>
          `    <testcase classname="pgcache.stress.${xml(s.id)}" name="${xml(id)}" time="0.000">\n      <skipped message="${xml(s.reason)}"/>\n    </testcase>`,
      ),
      '  </testsuite>',
    ].join('\n'),
  );
  const { summary } = report;
  const notJudged = report.skipped.reduce((n, s) => n + s.targets.length, 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="pgcache stress (${xml(report.profile)})" tests="${summary.targets + notJudged}" failures="${summary.failed + summary.insufficient}" skipped="${notJudged}" time="${seconds(report.durationMs)}">`,
    ...suites,
    ...skipped,
    '</testsuites>',
    '',
  ].join('\n');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** A Markdown summary for a CI job page: the verdict, the run's facts, and the report table. */
export function renderMarkdown(report: StressReport): string {
  const backend =
    report.backend === null ? 'unknown store' : `${report.backend.engine} (${report.backend.kind})`;
  const lines = [
    `## pgcache stress: ${report.verdict === 'pass' ? 'pass' : 'FAIL'}`,
    '',
    verdictLine(report),
    '',
    `Run ${report.runId} on ${backend}, ${formatDuration(report.durationMs)}, load ${report.loadSource}.`,
    '',
    `| ${REPORT_COLUMNS.join(' | ')} |`,
    `|${REPORT_COLUMNS.map(() => '---').join('|')}|`,
    ...reportRows(report).map((row) => `| ${row.map(cell).join(' | ')} |`),
    '',
  ];
  const notes = report.scenarios.flatMap((s) =>
    [...s.notes, remoteNote(s)].flatMap((n) =>
      n === undefined ? [] : [`- **${s.id}**: ${cell(n)}`],
    ),
  );
  notes.push(...skippedLines(report).map((line) => `- ${cell(line)}`));
  const load = loadLine(report);
  if (load !== undefined) notes.unshift(`- ${cell(load)}`);
  if (notes.length > 0) lines.push(...notes, '');
  return lines.join('\n');
}
