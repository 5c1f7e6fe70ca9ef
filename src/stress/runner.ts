import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { every, type Clock } from '../clock.js';
import { UsageError } from '../errors/index.js';
import type { ProcessProbe } from '../platform/host.js';
import type { CrashHarness } from './crash-harness.js';
import type { RunState, StressEvent } from './events.js';
import type { LoadSource } from './load-source.js';
import type { RemoteLoadDetail } from './remote-load.js';
import { ScenarioRecorder, errorCode } from './recorder.js';
import { summarize, type ScenarioReport, type StressReport } from './report.js';
import type { LoadOverrides, ScenarioDefinition, ScenarioOutcome } from './scenario.js';
import { scenarioContext, type ScenarioRunParts } from './scenario-context.js';
import { scenarioReport } from './scenario-report.js';
import { SCENARIOS } from './scenarios/index.js';
import { partitionScenarios, type SkippedScenario } from './source-needs.js';
import type { TargetSet } from './targets.js';
import type { WorkloadOptions } from './workload.js';

/** What a stress run does. */
export interface StressOptions {
  /** The targets to judge (a profile or a user's file); they also choose the scenarios. */
  readonly targets: TargetSet;
  /** Run only these scenario ids. @default every scenario the targets name */
  readonly only?: readonly string[] | undefined;
  /** Seed of every random choice (keys, values, mix, kill moments). */
  readonly seed: number;
  /** Load settings for the scenarios that accept them. @default none */
  readonly overrides?: LoadOverrides | undefined;
  /** Key distribution, key count, value sizes (every workload) and read share (mixed ones only). @default each scenario's own */
  readonly workload?: WorkloadOptions | undefined;
  /** Rounds of the crash scenario. @default 5 */
  readonly rounds?: number | undefined;
  /** Stop a scenario once this many operations failed. @default once over half of 1,000+ failed */
  readonly bailAfterFailures?: number | undefined;
  /** Keep the keys the run wrote instead of deleting them. @default false */
  readonly keep?: boolean | undefined;
  /** How often a `tick` event is emitted, in ms. @default 1000 */
  readonly tickMs?: number | undefined;
}

/** What a stress run is given. */
export interface StressDeps {
  readonly source: LoadSource;
  readonly clock: Clock;
  /** Monotonic time in nanoseconds. @default performance.now() × 1e6 */
  readonly now?: () => number;
  readonly probe: ProcessProbe;
  /** Child processes for the crash scenario. @default none (that scenario then fails to run) */
  readonly crash?: CrashHarness | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onEvent?: (event: StressEvent) => void;
}

/** The scenarios a run takes, in run order: those `targets` name, narrowed by `only`. */
export function selectScenarios(
  targets: TargetSet,
  only: readonly string[] | undefined,
): ScenarioDefinition[] {
  for (const id of only ?? []) {
    if (!SCENARIOS.some((s) => s.id === id)) {
      throw new UsageError(`unknown scenario "${id}"`, {
        hint: `Known scenarios: ${SCENARIOS.map((s) => s.id).join(', ')} (see \`pgcache stress --list\`).`,
      });
    }
  }
  const named = new Set(targets.targets.map((t) => t.scenario));
  return SCENARIOS.filter((s) => (only === undefined ? named.has(s.id) : only.includes(s.id)));
}

/**
 * The scenarios a run takes from `source`, and those it skips because the source cannot run
 * them (a usage error when `only` names one, or when nothing is left to run).
 */
export function planScenarios(
  targets: TargetSet,
  only: readonly string[] | undefined,
  source: Pick<LoadSource, 'label' | 'unsupported'>,
): { runnable: ScenarioDefinition[]; skipped: SkippedScenario[] } {
  return partitionScenarios(selectScenarios(targets, only), targets, {
    explicit: only !== undefined,
    unsupported: (need) => source.unsupported(need),
    flag: source.label,
  });
}

/**
 * Run the stress scenarios against the load source, judge every target, clean up the keys the
 * run wrote and record its verdict in the store. Emits `start`, `tick`, `scenario-done` and
 * `done`; resolves to the report (it throws only for a usage error or a broken source).
 */
export async function runStress(options: StressOptions, deps: StressDeps): Promise<StressReport> {
  const now = deps.now ?? (() => performance.now() * 1e6);
  const { runnable: scenarios, skipped } = planScenarios(
    options.targets,
    options.only,
    deps.source,
  );
  const startedAt = deps.clock.now();
  const stamp = new Date(startedAt).toISOString().replace(/[-:]|\.\d+/g, '');
  const runId = `${stamp}-${(options.seed >>> 0).toString(36)}`;
  const emit = (event: StressEvent): void => deps.onEvent?.(event);
  let state = (): RunState => ({ phase: 'starting' });
  const ticker = every(deps.clock, options.tickMs ?? 1000, () =>
    emit({ type: 'tick', state: state(), elapsedMs: deps.clock.now() - startedAt }),
  );
  const ids = scenarios.map((s) => s.id);
  const profile = options.targets.profile;
  emit({ type: 'start', runId, seed: options.seed, profile, scenarios: ids });
  try {
    const reports: ScenarioReport[] = [];
    for (const [index, definition] of scenarios.entries()) {
      if (deps.signal?.aborted === true) break;
      const recorder = new ScenarioRecorder();
      const started = now();
      state = () => ({
        phase: 'running',
        scenario: definition.id,
        index: index + 1,
        total: scenarios.length,
        scenarioMs: (now() - started) / 1e6,
        live: recorder.live(),
      });
      emit({
        type: 'scenario-start',
        id: definition.id,
        index: index + 1,
        total: scenarios.length,
      });
      const report = await runOne(definition, recorder, { options, deps, now, runId });
      reports.push(report);
      emit({ type: 'scenario-done', scenario: report });
    }
    state = () => ({ phase: 'cleaning-up' });
    const report = await finishRun(reports, skipped, { options, deps, now, runId }, startedAt);
    state = () => ({ phase: 'done', verdict: report.verdict });
    emit({ type: 'done', report });
    return report;
  } finally {
    ticker.cancel();
    deps.crash?.dispose();
    await deps.source.release().catch(() => undefined);
  }
}

// Judge the run, delete its keys, record its verdict in the store, and assemble the report.
async function finishRun(
  reports: readonly ScenarioReport[],
  skipped: readonly SkippedScenario[],
  { options, deps, runId }: ScenarioRunParts,
  startedAtMs: number,
): Promise<StressReport> {
  const aborted = deps.signal?.aborted === true;
  const { verdict, summary } = summarize(reports, aborted);
  const startedAt = new Date(startedAtMs).toISOString();
  const finishedAt = new Date(deps.clock.now()).toISOString();
  const profile = options.targets.profile;
  const kept = options.keep === true;
  const missed = reports.flatMap((r) => r.targets.filter((t) => t.status !== 'pass'));
  const lastRun = { verdict, finishedAt, startedAt, profile, runId, seed: options.seed };
  const cleanup = await deps.source
    .finish({ ...lastRun, targets: summary, missed: missed.map((t) => t.id) }, { keep: kept })
    .then(
      (deletedKeys) => ({ deletedKeys, kept, error: null }),
      (error: unknown) => ({
        deletedKeys: 0,
        kept,
        error: `${errorCode(error)}: ${(error as Error).message}`,
      }),
    );
  return {
    ...lastRun,
    durationMs: deps.clock.now() - startedAtMs,
    loadSource: deps.source.kind,
    backend: deps.source.describe() ?? null,
    scenarios: reports,
    summary,
    cleanup,
    aborted,
    skipped,
    loadProcesses: deps.source.processes?.() ?? null,
  };
}

async function runOne(
  definition: ScenarioDefinition,
  recorder: ScenarioRecorder,
  parts: ScenarioRunParts,
): Promise<ScenarioReport> {
  const { options, deps, now } = parts;
  // The event loop is watched while load runs (not while stores open: that blocks it by design).
  const loop = monitorEventLoopDelay({ resolution: 10 });
  const remote: { detail?: RemoteLoadDetail } = {};
  const ctx = scenarioContext(definition, recorder, loop, remote, parts);
  const before = await deps.source.counters().catch(() => ({ retried: 0, restarts: 0 }));
  const started = now();
  let outcome: ScenarioOutcome = {};
  let error: { code: string; message: string } | null = null;
  try {
    outcome = await definition.run(ctx);
  } catch (thrown) {
    error = { code: errorCode(thrown), message: (thrown as Error).message };
  }
  // A scenario that drives no load model is measured over its whole run.
  if (recorder.measuredSince === undefined) {
    recorder.begin(started);
    recorder.end(now());
  }
  const after = await deps.source.counters().catch(() => before);
  const targets = options.targets.targets.filter((t) => t.scenario === definition.id);
  if (deps.source.drive !== undefined && remote.detail === undefined) {
    const notes = [
      ...(outcome.notes ?? []),
      `it runs no shared workload (its load is its own), so it ran as it does without ${deps.source.label}`,
    ];
    outcome = { ...outcome, notes };
  }
  return scenarioReport(definition, recorder, outcome, targets, {
    remote: remote.detail ?? null,
    loop,
    retried: after.retried - before.retried,
    restarts: after.restarts - before.restarts,
    nowNs: now(),
    error,
  });
}
