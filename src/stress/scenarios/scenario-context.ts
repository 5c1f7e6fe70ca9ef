import type { IntervalHistogram } from 'node:perf_hooks';
import { drive } from '../load/load-model.js';
import { applyOverrides, mergeWorkload } from '../load/overrides.js';
import { deriveSeed } from '../load/random.js';
import type { ScenarioRecorder } from '../load/recorder.js';
import type { RemoteLoadDetail } from '../load/remote-load.js';
import type { StressDeps, StressOptions } from '../run-stress.js';
import { callFor, type ScenarioContext, type ScenarioDefinition } from './scenario.js';
import { Workload } from '../load/workload.js';

/** What every scenario of a run shares. */
export interface ScenarioRunParts {
  readonly options: StressOptions;
  readonly deps: StressDeps;
  /** The run's monotonic time in nanoseconds. */
  readonly now: () => number;
  readonly runId: string;
}

/**
 * The context one scenario runs with: its seed and key prefix, its workload and load with the
 * run's flags applied, and the load model — in this process, or from where the load source runs
 * its load (what that adds to the report goes in `remote.detail`).
 */
export function scenarioContext(
  definition: ScenarioDefinition,
  recorder: ScenarioRecorder,
  loop: IntervalHistogram,
  remote: { detail?: RemoteLoadDetail },
  { options, deps, now, runId }: ScenarioRunParts,
): ScenarioContext {
  const seed = deriveSeed(options.seed, definition.id);
  const prefix = `stress:${runId}:${definition.id}:`;
  const driveHere: ScenarioContext['drive'] = async (shape, next, hooks) => {
    loop.enable();
    try {
      return await drive(shape, next, recorder, {
        onMeasuring: hooks?.onMeasuring,
        now,
        clock: deps.clock,
        signal: deps.signal,
        bailAfterFailures: options.bailAfterFailures,
      });
    } finally {
      loop.disable();
    }
  };
  return {
    id: definition.id,
    recorder,
    seed,
    prefix,
    source: deps.source,
    now,
    clock: deps.clock,
    signal: deps.signal,
    probe: deps.probe,
    crash: deps.crash,
    rounds: options.rounds ?? 5,
    workload: (mix = {}) =>
      new Workload(mergeWorkload(mix, options.workload ?? {}), { seed, prefix }),
    load: (base) => applyOverrides(base, options.overrides ?? {}, definition.tunable),
    drive: driveHere,
    driveWorkload: async (shape, workload, client, hooks) => {
      const source = deps.source;
      if (source.drive === undefined) {
        return driveHere(shape, () => callFor(client, workload.next()), hooks);
      }
      loop.enable();
      try {
        const result = await source.drive({ shape, workload: workload.plan }, recorder, {
          now,
          signal: deps.signal,
          bailAfterFailures: options.bailAfterFailures,
          onMeasuring: hooks?.onMeasuring,
        });
        remote.detail = result.detail;
        return result.stoppedBy;
      } finally {
        loop.disable();
      }
    },
  };
}
