import type { LiveFigures } from './load/recorder.js';
import type { ScenarioReport, StressReport } from './report.js';

/** Where a stress run stands; progress lines switch on `phase`. */
export type RunState =
  | { readonly phase: 'starting' }
  | {
      readonly phase: 'running';
      readonly scenario: string;
      /** 1-based position of the scenario in the run, and how many there are. */
      readonly index: number;
      readonly total: number;
      /** Time since the scenario started, in ms. */
      readonly scenarioMs: number;
      readonly live: LiveFigures;
    }
  | { readonly phase: 'cleaning-up' }
  | { readonly phase: 'done'; readonly verdict: StressReport['verdict'] };

/** What `runStress` emits while it runs. */
export type StressEvent =
  | {
      readonly type: 'start';
      readonly runId: string;
      readonly seed: number;
      readonly profile: string;
      readonly scenarios: readonly string[];
    }
  | {
      readonly type: 'scenario-start';
      readonly id: string;
      /** 1-based position of the scenario in the run, and how many there are. */
      readonly index: number;
      readonly total: number;
    }
  | {
      readonly type: 'tick';
      readonly state: RunState;
      /** Time since the run started, in ms. */
      readonly elapsedMs: number;
    }
  | { readonly type: 'scenario-done'; readonly scenario: ScenarioReport }
  | { readonly type: 'done'; readonly report: StressReport };
