import type { PgcacheConfig } from '../config/load-config.js';
import { formatDuration } from '../config/units.js';
import { DeadlineExceededError, UsageError } from '../errors/index.js';
import { startCrashChild } from '../platform/crash-child-process.js';
import { openCrashHarness } from '../stress/crash-harness.js';
import { loadProfile, parseTargetsFile, PROFILES, type ProfileName } from '../stress/profiles.js';
import type { StressReport } from '../stress/report.js';
import { runStress, type StressOptions } from '../stress/runner.js';
import type { TargetSet } from '../stress/targets.js';
import type { CliContext } from './context.js';
import { readInputFile } from './read-input.js';
import { StressProgress } from './render/stress-progress.js';
import type { StressFlags } from './stress-flags.js';
import { openStressLoad } from './stress-load.js';
import { terminalFeatures } from './terminal.js';

/** The targets of this run: `--targets FILE`, or a shipped profile (`--profile`, default seed). */
export function resolveTargets(ctx: CliContext, flags: StressFlags): TargetSet {
  if (flags.targets !== undefined) {
    if (flags.profile !== undefined) {
      throw new UsageError('--targets and --profile cannot be used together', {
        hint: 'A targets file replaces the profile; pass one of them.',
      });
    }
    return parseTargetsFile(readInputFile(ctx.cwd, flags.targets, '--targets'), flags.targets);
  }
  const profile = flags.profile ?? 'seed';
  if (!(PROFILES as readonly string[]).includes(profile)) {
    throw new UsageError(`unknown profile "${profile}"`, {
      hint: `Profiles: ${PROFILES.join(', ')}; or pass your own with --targets FILE.`,
    });
  }
  return loadProfile(profile as ProfileName);
}

/** The error for a run cut short by its `--timeout` (its partial report is printed first). */
export function budgetExceeded(config: PgcacheConfig): DeadlineExceededError {
  return new DeadlineExceededError(
    `the ${formatDuration(config.timeoutMs)} budget of stress ran out before every scenario ran`,
    'run',
    { hint: 'Raise --timeout, or run fewer scenarios (--scenario) or shorter ones (--duration).' },
  );
}

/** The run the flags ask for; without --seed, one is drawn from the clock (and reported). */
export function stressOptions(
  flags: StressFlags,
  targets: TargetSet,
  ctx: Pick<CliContext, 'clock'>,
  tickMs: number,
): StressOptions {
  return {
    targets,
    only: flags.scenario,
    seed: flags.seed ?? ctx.clock.now() % 1_000_000,
    overrides: {
      concurrency: flags.concurrency,
      ratePerSec: flags.rate,
      ops: flags.ops,
      durationMs: flags.duration,
      warmupMs: flags.warmup,
    },
    workload: {
      distribution: flags.distribution,
      readRatio: flags.reads,
      keys: flags.keys,
      valueBytes: flags.valueSize,
    },
    rounds: flags.rounds,
    bailAfterFailures: flags.bail,
    keep: flags.keep,
    tickMs,
  };
}

/**
 * Run the stress scenarios for the command: the load from this process (on the configured store,
 * created and migrated when it does not exist yet), from `--processes N` workers or over `--http`;
 * progress on stderr; the whole run within `--timeout`; every process it started stopped at the end.
 */
export async function runStressSession(
  ctx: CliContext,
  flags: StressFlags,
  targets: TargetSet,
  config: PgcacheConfig,
): Promise<StressReport> {
  const crash = openCrashHarness({
    sourceDataDir: config.databaseUrl === undefined ? config.dataDir : undefined,
    openStore: ctx.openStore,
    startChild: startCrashChild,
    clock: ctx.clock,
    host: ctx.host,
  });
  // The crash scenario copies the store under its lock: before a serve started for the run owns it.
  const load = await openStressLoad(ctx, flags, config, targets, {
    beforeServe: async (runnable) => {
      if (runnable.includes('crash-recovery')) await crash.scratchDir();
    },
  }).catch((error: unknown) => {
    crash.dispose();
    throw error;
  });
  const budget = new AbortController();
  const onAbort = (): void => budget.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const timer = ctx.clock.setTimer(config.timeoutMs, () => budget.abort(), { background: true });
  const term = terminalFeatures(ctx.stderr, ctx.env);
  const progress = new StressProgress(ctx.stderr, term, { redraw: flags.json !== true });
  try {
    return await runStress(stressOptions(flags, targets, ctx, term.interactive ? 1000 : 5000), {
      source: load.source,
      clock: ctx.clock,
      probe: ctx.host,
      crash,
      signal: budget.signal,
      ...(flags.quiet === true ? {} : { onEvent: (event) => progress.onEvent(event) }),
    });
  } finally {
    timer.cancel();
    ctx.signal.removeEventListener('abort', onAbort);
    await load.close(); // runStress releases the store too; this stops serve and the workers
  }
}
