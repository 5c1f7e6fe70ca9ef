import { formatDuration } from '../config/units.js';
import { judgeHealth, type StoreHealth } from '../store/health.js';
import { describeHolder } from './live-figures.js';
import type { Operation, OperationContext } from './operation.js';

/**
 * Whether the owner serves calls, judged from memory (it answers while the store is stuck):
 * `ok`; `degraded` when a wire client has held the session past the operation timeout or a store
 * call has run past it (`reasons` says which); `unavailable` when closing, a breaker is open or
 * the embedded instance is down. `GET /healthz` and the control socket's health answer this.
 */
export interface HealthReport extends StoreHealth {
  readonly status: 'ok' | 'degraded' | 'unavailable';
  readonly reasons: readonly string[];
}

/** Judge the owner's health. */
export function readHealth(ctx: OperationContext): HealthReport {
  const health = judgeHealth(ctx.store.runnerStats(), ctx.store.closed);
  const limit = ctx.config.operationTimeoutMs;
  const reasons: string[] = [];
  const holder = ctx.live.holder();
  if (holder !== undefined && holder.heldMs > limit) {
    reasons.push(
      `session held by ${describeHolder(holder)}, past the operation timeout (${formatDuration(limit)}): every store call waits`,
    );
  }
  const stuck = ctx.live.stuck();
  if (stuck !== undefined) {
    reasons.push(
      `a store call (${stuck.name}) has not returned after ${formatDuration(stuck.runningMs)}, past the operation timeout (${formatDuration(limit)})`,
    );
  }
  const status = !health.ok ? 'unavailable' : reasons.length > 0 ? 'degraded' : 'ok';
  return { status, ...health, ok: status === 'ok', reasons };
}

/** The owner's health, from memory. */
export const healthOperation: Operation<Record<string, never>, HealthReport> = {
  name: 'health',
  parseInput() {
    return {};
  },
  run(ctx) {
    return Promise.resolve(readHealth(ctx));
  },
};
