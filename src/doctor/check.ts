import type { DoctorContext } from './doctor-context.js';

/**
 * How a check came out: pass (✓), warn (!), fail (✗), or skip (-: it could not look, and says
 * why; a run with a skip did not check everything, so it does not pass without --allow-skips).
 */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

/** What one check found. */
export interface CheckResult {
  readonly status: CheckStatus;
  /** What was measured, in one line. */
  readonly detail: string;
  /** One sentence on how to fix it; empty when the check passed. */
  readonly fix: string;
  /** Structured figures for `--json` (every setting and its source, the lock's owner…). */
  readonly data?: Readonly<Record<string, unknown>>;
  /** True when the check could not look (status `skip`; its fix is then not tried). */
  readonly skipped?: boolean;
}

/** One diagnosis `pgcache doctor` can run. */
export interface Check {
  /** What `doctor CHECK…` and `--json` call it, e.g. `lock`. */
  readonly id: string;
  /** A few words for `--list`. */
  readonly title: string;
  /** What `--fix` can repair, for `--list`; absent when the check has no fix. */
  readonly fixes?: string;
  /** Measure and judge. A throw is reported as a failure of the check, never of the command. */
  run(ctx: DoctorContext): Promise<CheckResult>;
  /**
   * A safe, idempotent repair of what `run` found (`--fix`). Resolves to what it did, or
   * `undefined` when there was nothing it may repair.
   */
  fix?(ctx: DoctorContext): Promise<string | undefined>;
}

/** One problem a check found, before it is merged into the check's result. */
export interface Finding {
  readonly status: 'warn' | 'fail';
  readonly detail: string;
  readonly fix: string;
}

/** A passing result. */
export function pass(detail: string, data?: Readonly<Record<string, unknown>>): CheckResult {
  return { status: 'pass', detail, fix: '', ...(data === undefined ? {} : { data }) };
}

/** A result for one problem. */
export function problem(
  status: 'warn' | 'fail',
  detail: string,
  fix: string,
  data?: Readonly<Record<string, unknown>>,
): CheckResult {
  return { status, detail, fix, ...(data === undefined ? {} : { data }) };
}

/** A check that could not look (an owner that cannot be reached, no store…). */
export function skipped(reason: string, fix: string): CheckResult {
  return { status: 'skip', detail: `skipped: ${reason}`, fix, skipped: true };
}

/**
 * Merge a check's findings into one result: the worst status, the problems first and then what
 * was measured, and every fix in order.
 */
export function judge(
  facts: string,
  findings: readonly Finding[],
  data?: Readonly<Record<string, unknown>>,
): CheckResult {
  if (findings.length === 0) return pass(facts, data);
  const status = findings.some((f) => f.status === 'fail') ? 'fail' : 'warn';
  const detail = `${findings.map((f) => f.detail).join('; ')} — ${facts}`;
  const fix = [...new Set(findings.map((f) => f.fix))].join(' ');
  return problem(status, detail, fix, data);
}

/** `1 entry`, `3 entries`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}
