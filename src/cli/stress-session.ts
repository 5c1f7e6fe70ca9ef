import type { PgcacheConfig } from '../config/load-config.js';
import { formatDuration } from '../config/units.js';
import { DeadlineExceededError, UsageError } from '../errors/index.js';
import { startCrashChild } from '../platform/crash-child-process.js';
import { nodeProcessProbe } from '../platform/process-probe.js';
import { openCrashHarness } from '../stress/crash-harness.js';
import { InProcessSource } from '../stress/in-process-source.js';
import { loadProfile, parseTargetsFile, PROFILES, type ProfileName } from '../stress/profiles.js';
import type { StressReport } from '../stress/report.js';
import { runStress, selectScenarios, type StressOptions } from '../stress/runner.js';
import type { TargetSet } from '../stress/targets.js';
import { storeExists } from '../store/open-store.js';
import type { CliContext } from './context.js';
import { readInputFile } from './read-input.js';
import { StressProgress } from './render/stress-progress.js';
import type { StressFlags } from './stress-flags.js';
import { terminalFeatures } from './terminal.js';
import { warn } from './with-store.js';

/**
 * Refuse what needs `pgcache serve` (not in this version) before anything is opened:
 * `--processes` and `--http` would otherwise open one data directory from several processes.
 */
export function refuseServeOnlyFlags(flags: StressFlags): void {
  const flag =
    flags.processes !== undefined
      ? `--processes ${flags.processes}`
      : flags.http === true
        ? '--http'
        : undefined;
  if (flag === undefined) return;
  throw new UsageError(
    `${flag} needs \`pgcache serve\` (one process owning the store, the others reaching it through it), which this version of pgcache does not have yet`,
    {
      hint: 'Run `pgcache stress` without it: the load then runs in this process, on the same resilience path; use --concurrency N or --rate N/s for more load.',
    },
  );
}

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
 * Run the stress scenarios for the command: in-process load on the configured store (created
 * and migrated when it does not exist yet), progress on stderr, the whole run within `--timeout`.
 */
export async function runStressSession(
  ctx: CliContext,
  flags: StressFlags,
  targets: TargetSet,
  config: PgcacheConfig,
): Promise<StressReport> {
  selectScenarios(targets, flags.scenario); // unknown ids are a usage error before anything opens
  const fresh = config.databaseUrl === undefined && !storeExists(config.dataDir);
  const source = new InProcessSource({
    config,
    openStore: ctx.openStore,
    clock: ctx.clock,
    host: ctx.host,
    onWarning: (message) => warn(ctx, message),
    operationBudgetMs: Math.min(30_000, config.timeoutMs),
    firstOpen: fresh
      ? { create: true, migrations: 'apply' }
      : { create: false, migrations: 'require' },
  });
  await source.client(); // a store that cannot be opened is the command's error, not a scenario's
  const budget = new AbortController();
  const onAbort = (): void => budget.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const timer = ctx.clock.setTimer(config.timeoutMs, () => budget.abort(), { background: true });
  const term = terminalFeatures(ctx.stderr, ctx.env);
  const progress = new StressProgress(ctx.stderr, term, { redraw: flags.json !== true });
  try {
    return await runStress(stressOptions(flags, targets, ctx, term.interactive ? 1000 : 5000), {
      source,
      clock: ctx.clock,
      probe: nodeProcessProbe,
      crash: openCrashHarness({
        sourceDataDir: config.databaseUrl === undefined ? config.dataDir : undefined,
        openStore: ctx.openStore,
        startChild: startCrashChild,
        clock: ctx.clock,
        host: ctx.host,
      }),
      signal: budget.signal,
      ...(flags.quiet === true ? {} : { onEvent: (event) => progress.onEvent(event) }),
    });
  } finally {
    timer.cancel();
    ctx.signal.removeEventListener('abort', onAbort);
    await source.release(); // runStress releases it too; this covers a run that never started
  }
}
