import { UsageError, isPgcacheError } from '../errors/index.js';
import type { Check, CheckResult, CheckStatus } from './check.js';
import { CHECKS } from './checks/index.js';
import type { DoctorContext } from './doctor-context.js';

/** One check as it finished: its result, and what `--fix` did about it. */
export interface CheckOutcome extends CheckResult {
  readonly id: string;
  readonly title: string;
  /** What the fix did; present only when a fix was applied (the result is then re-measured). */
  readonly fixed?: string;
}

/** Everything a doctor run found. */
export interface DoctorReport {
  readonly checks: readonly CheckOutcome[];
  readonly summary: Readonly<Record<CheckStatus, number>> & { readonly fixed: number };
  readonly durationMs: number;
}

/** Options of {@link runDoctor}. */
export interface RunDoctorOptions {
  /** The checks to run (in registry order). @default every check */
  readonly checks?: readonly Check[];
  /** Stops the run between checks. */
  readonly signal?: AbortSignal;
  /** Called as each check finishes, so that its line is printed at once. */
  readonly onCheck?: (outcome: CheckOutcome) => void;
}

/** The checks named by `ids`, in registry order; an unknown name is a usage error. */
export function selectChecks(ids: readonly string[]): readonly Check[] {
  const unknown = ids.filter((id) => !CHECKS.some((c) => c.id === id));
  if (unknown.length > 0) {
    throw new UsageError(`unknown check ${unknown.map((id) => `"${id}"`).join(', ')}`, {
      hint: `Known checks: ${CHECKS.map((c) => c.id).join(', ')} (\`pgcache doctor --list\`).`,
    });
  }
  return ids.length === 0 ? CHECKS : CHECKS.filter((c) => ids.includes(c.id));
}

/**
 * Run the checks one after another, apply each one's fix when `ctx.fix` is set and it found a
 * problem (then measure again), report each as it finishes, and close the doctor's store.
 */
export async function runDoctor(
  ctx: DoctorContext,
  options: RunDoctorOptions = {},
): Promise<DoctorReport> {
  const started = ctx.now();
  const outcomes: CheckOutcome[] = [];
  try {
    for (const check of options.checks ?? CHECKS) {
      if (options.signal?.aborted === true) break;
      const outcome = await runCheck(check, ctx);
      outcomes.push(outcome);
      options.onCheck?.(outcome);
    }
  } finally {
    await ctx.closeSession();
  }
  const count = (status: CheckStatus): number => outcomes.filter((o) => o.status === status).length;
  return {
    checks: outcomes,
    summary: {
      pass: count('pass'),
      warn: count('warn'),
      fail: count('fail'),
      skip: count('skip'),
      fixed: outcomes.filter((o) => o.fixed !== undefined).length,
    },
    durationMs: ctx.now() - started,
  };
}

/** How a run ends: what to tolerate before it fails. */
export interface DoctorVerdictOptions {
  /** Warnings fail too. @default false */
  readonly strict?: boolean | undefined;
  /** A check that could not look does not fail the run. @default false */
  readonly allowSkips?: boolean | undefined;
}

/**
 * True when the run failed: a check failed, one was skipped (what was not checked did not pass,
 * unless `allowSkips`), or (with `strict`) one warned.
 */
export function doctorFailed(report: DoctorReport, options: DoctorVerdictOptions = {}): boolean {
  const { fail, warn, skip } = report.summary;
  return (
    fail > 0 || (options.allowSkips !== true && skip > 0) || (options.strict === true && warn > 0)
  );
}

async function runCheck(check: Check, ctx: DoctorContext): Promise<CheckOutcome> {
  const base = { id: check.id, title: check.title };
  const first = await measure(check, ctx);
  if (first.status === 'pass' || first.status === 'skip' || !ctx.fix || check.fix === undefined) {
    return { ...base, ...first };
  }
  let fixed: string | undefined;
  try {
    fixed = await check.fix(ctx);
  } catch (error) {
    return { ...base, ...first, detail: `${first.detail} (the fix failed: ${describe(error)})` };
  }
  if (fixed === undefined) return { ...base, ...first };
  return { ...base, ...(await measure(check, ctx)), fixed };
}

// A check that throws is a finding about the store, not a crash of the doctor.
async function measure(check: Check, ctx: DoctorContext): Promise<CheckResult> {
  try {
    return await check.run(ctx);
  } catch (error) {
    return {
      status: 'fail',
      detail: `the check could not finish: ${describe(error)}`,
      fix:
        (isPgcacheError(error) ? error.hint : undefined) ??
        'Run `pgcache doctor` with PGCACHE_DEBUG=1 and report this as a bug.',
    };
  }
}

function describe(error: unknown): string {
  if (isPgcacheError(error)) return `[${error.code}] ${error.message}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
