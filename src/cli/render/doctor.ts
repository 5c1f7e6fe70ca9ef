import { formatDuration } from '../../config/units.js';
import type { Check, CheckStatus } from '../../doctor/check.js';
import type { CheckOutcome, DoctorReport } from '../../doctor/run-doctor.js';
import { styles, type TerminalFeatures } from '../terminal.js';

const SYMBOL: Record<CheckStatus, string> = { pass: '✓', warn: '!', fail: '✗', skip: '-' };
const ID_WIDTH = 13;
const INDENT = ' '.repeat(2 + ID_WIDTH);

/**
 * One check as a line — `✓ id  detail` — plus `fix:` (warn, fail) and `fixed:` lines under it.
 * Long lines wrap under the detail on a terminal; piped output keeps one line each for grep.
 */
export function renderCheck(outcome: CheckOutcome, term: TerminalFeatures): string {
  const s = styles(term.color);
  const colour = { pass: s.green, warn: s.yellow, fail: s.red, skip: s.yellow }[outcome.status];
  const lines = [
    `${colour(SYMBOL[outcome.status])} ${outcome.id.padEnd(ID_WIDTH - 1)} ${wrap(outcome.detail, term)}`,
  ];
  if (outcome.fixed !== undefined)
    lines.push(`${INDENT}${s.cyan('fixed:')} ${wrap(outcome.fixed, term, 7)}`);
  if (outcome.status !== 'pass')
    lines.push(`${INDENT}${s.dim('fix:')} ${wrap(outcome.fix, term, 5)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The closing summary: how many checks passed, warned, failed, were skipped and were fixed. A run
 * with skipped checks is not healthy: what was not checked did not pass.
 */
export function renderDoctorSummary(
  report: DoctorReport,
  options: { failed: boolean },
  term: TerminalFeatures,
): string {
  const s = styles(term.color);
  const { pass, warn, fail, skip, fixed } = report.summary;
  const parts = [
    `${pass} passed`,
    warn === 0 ? '0 warnings' : s.yellow(`${warn} warning${warn === 1 ? '' : 's'}`),
    fail === 0 ? '0 failed' : s.red(`${fail} failed`),
    ...(skip === 0 ? [] : [s.yellow(`${skip} skipped`)]),
    ...(fixed === 0 ? [] : [`${fixed} fixed`]),
  ];
  const verdict =
    fail > 0
      ? s.red('problems found')
      : skip > 0
        ? s.yellow(
            options.failed
              ? 'not everything was checked (--allow-skips accepts that)'
              : 'no failures in what was checked',
          )
        : options.failed
          ? s.red('warnings fail under --strict')
          : warn > 0
            ? s.yellow('no failures')
            : s.green('healthy');
  return `\n${report.checks.length} checks in ${formatDuration(report.durationMs)}: ${parts.join(', ')} — ${verdict}\n`;
}

/** The `doctor --json` document body: `{checks: [{id, status, detail, fix, …}], summary}`. */
export function doctorJson(report: DoctorReport): Record<string, unknown> {
  return {
    checks: report.checks.map(({ id, status, detail, fix, title, data, fixed, skipped }) => ({
      id,
      status,
      detail,
      fix,
      title,
      ...(skipped === true ? { skipped } : {}),
      ...(fixed === undefined ? {} : { fixed }),
      ...(data === undefined ? {} : { data }),
    })),
    summary: report.summary,
    durationMs: report.durationMs,
  };
}

/** `doctor --list`: each check's id, what it looks at, and what `--fix` does about it. */
export function renderCheckList(checks: readonly Check[]): string {
  return checks
    .map(
      (c) =>
        `${c.id.padEnd(ID_WIDTH)}${c.title}${c.fixes === undefined ? '' : ` (--fix ${c.fixes})`}\n`,
    )
    .join('');
}

/** The `doctor --list --json` body. */
export function checkListJson(checks: readonly Check[]): Record<string, unknown> {
  return { checks: checks.map((c) => ({ id: c.id, title: c.title, fixes: c.fixes ?? null })) };
}

// Wrap `text` to the terminal under the detail column; `lead` is what precedes it on line one.
function wrap(text: string, term: TerminalFeatures, lead = 0): string {
  if (!term.interactive) return text;
  const width = Math.max(20, term.columns - INDENT.length - 1);
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const limit = lines.length === 0 ? width - lead : width;
    if (line !== '' && line.length + 1 + word.length > limit) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines.join(`\n${INDENT}`);
}
