import type { ScenarioReport, StressReport, TargetSummary } from '../report.js';

/**
 * Count targets by status and decide the run's verdict: `interrupted` when the run was cut short
 * (whatever ran before), `pass` when every scenario passed, `fail` otherwise. `notRunTargets` are
 * the targets of the scenarios an interruption kept from starting (not judged).
 */
export function summarize(
  scenarios: readonly ScenarioReport[],
  options: { readonly interrupted: boolean; readonly notRunTargets: number },
): { verdict: StressReport['verdict']; summary: TargetSummary } {
  const all = scenarios.flatMap((s) => s.targets);
  const count = (status: (typeof all)[number]['status']): number =>
    all.filter((t) => t.status === status).length;
  const summary = {
    targets: all.length + options.notRunTargets,
    passed: count('pass'),
    failed: count('fail'),
    insufficient: count('insufficient'),
    notJudged: count('not-judged') + options.notRunTargets,
  };
  if (options.interrupted) return { verdict: 'interrupted', summary };
  const ok = scenarios.every((s) => s.verdict === 'pass');
  return { verdict: ok ? 'pass' : 'fail', summary };
}
