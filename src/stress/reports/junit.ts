import type { ScenarioReport, StressReport } from '../report.js';
import { statusCell, targetCell, topErrorsCell } from './report-lines.js';

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

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

/** A suite whose targets were not judged: skipped, saying why. */
function skippedSuite(id: string, targets: readonly string[], reason: string): string {
  return [
    `  <testsuite name="pgcache stress ${xml(id)}" tests="${targets.length}" failures="0" errors="0" skipped="${targets.length}" time="0.000">`,
    ...targets.map(
      (t) =>
        `    <testcase classname="pgcache.stress.${xml(id)}" name="${xml(t)}" time="0.000">\n      <skipped message="${xml(reason)}"/>\n    </testcase>`,
    ),
    '  </testsuite>',
  ].join('\n');
}

// The scenario's failures by error code, as suite properties (CI systems list them).
function properties(s: ScenarioReport): string[] {
  if (s.topErrors.length === 0) return [];
  return [
    '    <properties>',
    ...s.topErrors.map((e) => `      <property name="errors.${xml(e.code)}" value="${e.count}"/>`),
    '    </properties>',
  ];
}

function scenarioSuite(s: ScenarioReport): string {
  const errors = s.topErrors.length === 0 ? '' : `; failures by code: ${topErrorsCell(s, 5)}`;
  const cases = s.targets.map((t) => {
    const name = xml(`${t.id}: ${t.expr}`);
    const open = `    <testcase classname="pgcache.stress.${xml(s.id)}" name="${name}" time="${seconds(s.durationMs)}">`;
    if (t.status === 'not-judged') {
      return `${open}\n      <skipped message="${xml(`not judged: the run was interrupted while ${s.id} ran (${targetCell(t)})`)}"/>\n    </testcase>`;
    }
    if (s.error !== null) {
      return `${open}\n      <error type="${xml(s.error.code)}" message="${xml(s.error.message + errors)}"/>\n    </testcase>`;
    }
    if (t.status === 'pass') return `${open}</testcase>`;
    const message = xml(`${statusCell(t)}: ${targetCell(t)} (source: ${t.source})${errors}`);
    return `${open}\n      <failure type="${t.status}" message="${message}"/>\n    </testcase>`;
  });
  const judged = s.targets.filter((t) => t.status !== 'not-judged');
  const missed = judged.filter((t) => t.status !== 'pass').length;
  const errored = s.error === null ? 0 : judged.length;
  const skipped = s.targets.length - judged.length;
  return [
    `  <testsuite name="pgcache stress ${xml(s.id)}" tests="${s.targets.length}" failures="${s.error === null ? missed : 0}" errors="${errored}" skipped="${skipped}" time="${seconds(s.durationMs)}">`,
    ...properties(s),
    ...cases,
    '  </testsuite>',
  ].join('\n');
}

/**
 * JUnit XML for CI systems: one test suite per scenario (its failures by error code as
 * properties), one test case per target; a missed target is a `<failure>`, a scenario that could
 * not run an `<error>` on each of its targets, and a target that was not judged (skipped by the
 * load, or cut short by an interruption) is `<skipped>`.
 */
export function renderJunit(report: StressReport): string {
  const suites = report.scenarios.map(scenarioSuite);
  const skipped = report.skipped.map((s) => skippedSuite(s.id, s.targets, s.reason));
  const notRun = (report.interrupted?.notRun ?? []).map((s) =>
    skippedSuite(s.id, s.targets, 'not run: the run was interrupted before it started'),
  );
  const { summary } = report;
  const bySource = report.skipped.reduce((n, s) => n + s.targets.length, 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="pgcache stress (${xml(report.profile)})" tests="${summary.targets + bySource}" failures="${summary.failed + summary.insufficient}" skipped="${bySource + summary.notJudged}" time="${seconds(report.durationMs)}">`,
    ...suites,
    ...skipped,
    ...notRun,
    '</testsuites>',
    '',
  ].join('\n');
}
