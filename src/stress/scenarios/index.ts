import type { ScenarioDefinition } from './scenario.js';
import type { ExtraMetrics } from '../judging/metrics.js';
import { breakerRecoveryScenario } from './breaker-recovery.js';
import { burstScenario } from './burst.js';
import { crashScenario } from './crash.js';
import { memoryScenario } from './memory.js';
import { noLeaksScenario } from './no-leaks.js';
import { noisyNeighbourScenario } from './noisy-neighbour.js';
import { queueWaitScenario } from './queue-wait.js';
import { WORKLOAD_SCENARIOS } from './workloads.js';

const workload = (id: string): ScenarioDefinition => {
  const found = WORKLOAD_SCENARIOS.find((s) => s.id === id);
  if (found === undefined) throw new Error(`no workload scenario ${id}`);
  return found;
};

/**
 * Every scenario, in the order a run takes them: the shared store's loads first (memory among
 * them, before other stores are opened and closed: their freed memory would blur its figures),
 * then the scenarios with stores of their own, child processes last.
 */
export const SCENARIOS: readonly ScenarioDefinition[] = [
  ...WORKLOAD_SCENARIOS.filter((s) => s.id !== 'thousand-concurrent'),
  memoryScenario,
  queueWaitScenario,
  burstScenario,
  noisyNeighbourScenario,
  workload('thousand-concurrent'),
  breakerRecoveryScenario,
  noLeaksScenario,
  crashScenario,
];

/** Each scenario id with the extra metrics it reports (what a targets file is checked against). */
export function scenarioMetrics(): ReadonlyMap<string, ExtraMetrics> {
  return new Map(SCENARIOS.map((s) => [s.id, s.extras]));
}
