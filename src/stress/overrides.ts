import type { LoadShape } from './load-model.js';
import type { LoadOverrides } from './scenario.js';

/**
 * A scenario's load with the run's overrides it accepts (`tunable`): `--rate` turns it into the
 * open model (with `--concurrency` as the most operations in flight), `--concurrency` sets the
 * callers of the closed model, and `--ops` / `--duration` replace both of its bounds together
 * (so `--duration 30s` alone runs for 30 s instead of stopping at the scenario's own count).
 */
export function applyOverrides(
  base: LoadShape,
  overrides: LoadOverrides,
  tunable: readonly (keyof LoadOverrides)[],
): LoadShape {
  const given = <K extends keyof LoadOverrides>(key: K): LoadOverrides[K] =>
    tunable.includes(key) ? overrides[key] : undefined;
  const ops = given('ops');
  const durationMs = given('durationMs');
  const bounds =
    ops === undefined && durationMs === undefined
      ? { ops: base.ops, durationMs: base.durationMs }
      : { ops, durationMs };
  const warmupMs = given('warmupMs') ?? base.warmupMs;
  const rate = given('ratePerSec');
  const concurrency = given('concurrency');
  if (rate !== undefined) {
    const maxInFlight = concurrency ?? (base.model === 'open' ? base.maxInFlight : undefined);
    return {
      model: 'open',
      ratePerSec: rate,
      ...bounds,
      warmupMs,
      ...(maxInFlight === undefined ? {} : { maxInFlight }),
    };
  }
  if (base.model === 'open') return { ...base, ...bounds, warmupMs };
  return { ...base, ...bounds, warmupMs, concurrency: concurrency ?? base.concurrency };
}
