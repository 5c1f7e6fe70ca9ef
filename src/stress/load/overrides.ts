import type { LoadShape } from './load-model.js';
import type { LoadOverrides } from '../scenarios/scenario.js';
import type { WorkloadOptions } from './workload.js';

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

/**
 * A scenario's own workload with the run's workload flags: key distribution, key count and value
 * sizes apply to every workload; the read share only to workloads that mix reads and writes
 * (a sequential-reads scenario stays all reads).
 */
export function mergeWorkload(own: WorkloadOptions, run: WorkloadOptions): WorkloadOptions {
  const mixed = own.readRatio === undefined || (own.readRatio > 0 && own.readRatio < 1);
  const given: WorkloadOptions = {
    distribution: run.distribution,
    keys: run.keys,
    valueBytes: run.valueBytes,
    readRatio: mixed ? run.readRatio : undefined,
  };
  const defined = Object.entries(given).filter(([, value]) => value !== undefined);
  return { ...own, ...(Object.fromEntries(defined) as WorkloadOptions) };
}
