import type { Clock } from '../clock.js';
import type { PgcacheConfig } from '../config/load-config.js';
import { formatDuration } from '../config/units.js';
import { DeadlineExceededError } from '../errors/index.js';
import type { Host } from '../platform/host.js';
import type { OpenStoreOptions } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import type { StressEvent } from './events.js';
import type { StressLauncher } from './launcher.js';
import { openStressLoad } from './load/open-load.js';
import type { ServeSettings } from './load/stress-serve.js';
import type { StressPlan } from './plan.js';
import type { StressReport } from './report.js';
import { runStress, type StressOptions } from './run-stress.js';
import { openCrashHarness } from './scenarios/crash-harness.js';

/** What a whole stress session runs with. */
export interface StressSessionDeps {
  /** The command's resolved configuration: the store, and the run's budget (`timeoutMs`). */
  readonly config: PgcacheConfig;
  /** Starts serve, the workers and the crash scenario's children; describes the machine. */
  readonly launcher: StressLauncher;
  readonly openStore: (options: OpenStoreOptions) => Promise<Store>;
  readonly clock: Clock;
  readonly host: Host;
  /** Ctrl-C: the run stops, reports what it has as interrupted, cleans up and stops what it started. */
  readonly signal: AbortSignal;
  readonly onWarning: (message: string) => void;
  readonly onEvent?: ((event: StressEvent) => void) | undefined;
  /** Settings given as flags that a serve started for the run must use too. @default none */
  readonly serveSettings?: ServeSettings;
}

/**
 * Run a planned stress session: its load from this process (on the configured store, created and
 * migrated when it does not exist yet), from worker processes or over HTTP, as the plan says;
 * scenarios prepared before the load opens the store; the whole run within the configuration's
 * `timeoutMs`; every process it started stopped at the end.
 */
export async function runStressSession(
  plan: StressPlan,
  options: Omit<StressOptions, 'plan'>,
  deps: StressSessionDeps,
): Promise<StressReport> {
  const { config } = deps;
  const crash = openCrashHarness({
    sourceDataDir: config.databaseUrl === undefined ? config.dataDir : undefined,
    openStore: deps.openStore,
    startChild: (dataDir, prefix) => deps.launcher.startCrashChild(dataDir, prefix),
    clock: deps.clock,
    host: deps.host,
  });
  const load = await openStressLoad(plan, {
    ...deps,
    beforeServe: async () => {
      for (const scenario of plan.scenarios) await scenario.prepare?.({ crash });
    },
  }).catch((error: unknown) => {
    crash.dispose();
    throw error;
  });
  const budget = new AbortController();
  let by: 'signal' | 'timeout' = 'signal';
  const onAbort = (): void => budget.abort(deps.signal.reason);
  deps.signal.addEventListener('abort', onAbort, { once: true });
  const timer = deps.clock.setTimer(
    config.timeoutMs,
    () => {
      by = 'timeout';
      budget.abort();
    },
    { background: true },
  );
  try {
    return await runStress(
      { ...options, plan },
      {
        source: load.source,
        clock: deps.clock,
        probe: deps.host,
        crash,
        signal: budget.signal,
        interruptedBy: () => by,
        machine: deps.launcher.machine(),
        onEvent: deps.onEvent,
      },
    );
  } finally {
    timer.cancel();
    deps.signal.removeEventListener('abort', onAbort);
    await load.close(); // runStress releases the store too; this stops serve and the workers
  }
}

/** The error for a run cut short by its `--timeout` (its partial report is printed first). */
export function budgetExceeded(config: PgcacheConfig): DeadlineExceededError {
  return new DeadlineExceededError(
    `the ${formatDuration(config.timeoutMs)} budget of stress ran out before every scenario ran`,
    'run',
    { hint: 'Raise --timeout, or run fewer scenarios (--scenario) or shorter ones (--duration).' },
  );
}
