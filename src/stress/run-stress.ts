import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { every, type Clock } from '../clock.js';
import type { ProcessProbe } from '../platform/host.js';
import { VERSION } from '../version.js';
import type { RunState, StressEvent } from './events.js';
import { scenarioReport } from './judging/scenario-report.js';
import { summarize } from './judging/verdict.js';
import type { MachineFacts } from './launcher.js';
import type { LoadSource } from './load/load-source.js';
import { ScenarioRecorder, errorCode } from './load/recorder.js';
import type { RemoteLoadDetail } from './load/remote-load.js';
import type { WorkloadOptions } from './load/workload.js';
import type { StressPlan } from './plan.js';
import type { Cleanup, Interruption, ScenarioReport, StressReport } from './report.js';
import type { CrashHarness } from './scenarios/crash-harness.js';
import { scenarioContext, type ScenarioRunParts } from './scenarios/scenario-context.js';
import type { LoadOverrides, ScenarioDefinition, ScenarioOutcome } from './scenarios/scenario.js';

/** What a stress run does. */
export interface StressOptions {
  /** The planned run: its targets, the scenarios to run in order, those its load skips. */
  readonly plan: Pick<StressPlan, 'targets' | 'scenarios' | 'skipped'>;
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
  /** Interrupts the run: the scenario running is reported as interrupted, the rest never start. */
  readonly signal?: AbortSignal | undefined;
  /** What aborted `signal`. @default 'signal' */
  readonly interruptedBy?: () => Interruption['by'];
  /** The machine, for the report. @default none */
  readonly machine?: MachineFacts | undefined;
  readonly onEvent?: (event: StressEvent) => void;
}

/**
 * Run the planned scenarios against the load source, judge every target, clean up the keys the
 * run wrote, reclaim the space they took and record the run's verdict in the store. Emits
 * `start`, `scenario-start`, `tick`, `scenario-done` and `done`; resolves to the report (it
 * throws only for a broken source). An interruption (`signal`) ends the scenario that runs, as
 * `interrupted` with its targets not judged, and starts no other: the run is `interrupted`.
 */
export async function runStress(options: StressOptions, deps: StressDeps): Promise<StressReport> {
  const now = deps.now ?? (() => performance.now() * 1e6);
  const scenarios = options.plan.scenarios;
  const startedAt = deps.clock.now();
  const stamp = new Date(startedAt).toISOString().replace(/[-:]|\.\d+/g, '');
  const runId = `${stamp}-${(options.seed >>> 0).toString(36)}`;
  const parts: ScenarioRunParts = { options, deps, now, runId };
  const emit = (event: StressEvent): void => deps.onEvent?.(event);
  let state = (): RunState => ({ phase: 'starting' });
  const ticker = every(deps.clock, options.tickMs ?? 1000, () =>
    emit({ type: 'tick', state: state(), elapsedMs: deps.clock.now() - startedAt }),
  );
  const ids = scenarios.map((s) => s.id);
  const profile = options.plan.targets.profile;
  emit({ type: 'start', runId, seed: options.seed, profile, scenarios: ids });
  try {
    const reports: ScenarioReport[] = [];
    for (const [index, definition] of scenarios.entries()) {
      if (deps.signal?.aborted === true) break;
      // Remote loads arrive in batches (every 250 ms): coarser buckets keep their timeline smooth.
      const recorder = new ScenarioRecorder({
        now,
        timeline: { bucketMs: deps.source.drive === undefined ? 10 : 250 },
      });
      const started = now();
      const position = { index: index + 1, total: scenarios.length };
      state = () => ({
        phase: 'running',
        scenario: definition.id,
        ...position,
        scenarioMs: (now() - started) / 1e6,
        live: recorder.live(),
      });
      emit({ type: 'scenario-start', id: definition.id, ...position });
      const report = await runOne(definition, recorder, parts);
      reports.push(report);
      emit({ type: 'scenario-done', scenario: report });
    }
    state = () => ({ phase: 'cleaning-up' });
    const report = await finishRun(reports, parts, startedAt);
    state = () => ({ phase: 'done', verdict: report.verdict });
    emit({ type: 'done', report });
    return report;
  } finally {
    ticker.cancel();
    deps.crash?.dispose();
    await deps.source.release().catch(() => undefined);
  }
}

// What cut the run short, if anything: a scenario reported as interrupted, or scenarios not run.
function interruption(
  reports: readonly ScenarioReport[],
  { options, deps }: ScenarioRunParts,
): Interruption | null {
  const during = reports.find((r) => r.verdict === 'interrupted')?.id ?? null;
  const notRun = options.plan.scenarios.slice(reports.length).map(({ id }) => ({
    id,
    targets: options.plan.targets.targets.filter((t) => t.scenario === id).map((t) => t.id),
  }));
  if (during === null && notRun.length === 0) return null;
  return { by: deps.interruptedBy?.() ?? 'signal', during, notRun };
}

// Judge the run, delete its keys, reclaim their space, record its verdict, assemble the report.
async function finishRun(
  reports: readonly ScenarioReport[],
  parts: ScenarioRunParts,
  startedAtMs: number,
): Promise<StressReport> {
  const { options, deps, runId } = parts;
  const interrupted = interruption(reports, parts);
  const notRunTargets = interrupted?.notRun.reduce((n, s) => n + s.targets.length, 0) ?? 0;
  const { verdict, summary } = summarize(reports, {
    interrupted: interrupted !== null,
    notRunTargets,
  });
  const startedAt = new Date(startedAtMs).toISOString();
  const finishedAt = new Date(deps.clock.now()).toISOString();
  const profile = options.plan.targets.profile;
  const kept = options.keep === true;
  const missed = reports.flatMap((r) =>
    r.targets.filter((t) => t.status === 'fail' || t.status === 'insufficient'),
  );
  const lastRun = { verdict, finishedAt, startedAt, profile, runId, seed: options.seed };
  const record = { ...lastRun, targets: summary, missed: missed.map((t) => t.id), interrupted };
  const cleanup: Cleanup = await deps.source.finish(record, { keep: kept }).then(
    (done) => ({ ...done, kept, error: null }),
    (error: unknown) => ({
      deletedKeys: 0,
      kept,
      reclaim: NOTHING_RECLAIMED,
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
    aborted: interrupted !== null,
    interrupted,
    skipped: options.plan.skipped,
    loadProcesses: deps.source.processes?.() ?? null,
    machine: deps.machine === undefined ? null : { ...deps.machine, pgcache: VERSION },
  };
}

const NOTHING_RECLAIMED: Cleanup['reclaim'] = {
  how: 'none',
  diskBytesBefore: null,
  diskBytesAfter: null,
  walBytesBefore: null,
  walBytesAfter: null,
};

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
  // Whatever the scenario made of it, an interruption while it ran cut it short.
  const interrupted = deps.signal?.aborted === true;
  // A scenario that drives no load model is measured over its whole run.
  if (recorder.measuredSince === undefined) {
    recorder.begin(started);
    recorder.end(now());
  }
  const after = await deps.source.counters().catch(() => before);
  const targets = options.plan.targets.targets.filter((t) => t.scenario === definition.id);
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
    interrupted,
  });
}
