import type { BreakerSnapshot } from '../resilience/circuit-breaker.js';
import type { SupervisorStats } from '../resilience/instance-supervisor.js';
import type { RunnerStats } from '../resilience/operation-runner.js';

/** Whether a store takes calls, judged without a database call (so it answers while stuck). */
export interface StoreHealth {
  /** Open, no breaker open, and the embedded instance not down. */
  readonly ok: boolean;
  readonly state: 'open' | 'closing';
  readonly breakers: readonly BreakerSnapshot[];
  /** The embedded instance's state (embedded store only). */
  readonly instance?: SupervisorStats['state'];
}

/** Judge a store's health from its runner's figures. */
export function judgeHealth(stats: RunnerStats, closing: boolean): StoreHealth {
  const { breakers, instance } = stats;
  const state = closing ? 'closing' : 'open';
  return {
    ok: state === 'open' && breakers.every((b) => b.state !== 'open') && instance?.state !== 'down',
    state,
    breakers,
    ...(instance === undefined ? {} : { instance: instance.state }),
  };
}
