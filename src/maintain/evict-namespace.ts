import { hasQuota, policyFor, type NamespacePolicies } from '../namespaces/namespace-policy.js';
import { readNamespaceUsage } from '../store/namespace-quota.js';
import { countLru, evictLru, type LruTarget } from './evict-lru.js';
import type { RunStep, StepResult } from './purge-expired.js';

/** What maintenance evicted (or would evict) in one namespace over its quota. */
export interface NamespaceEviction extends StepResult {
  readonly namespace: string;
}

/**
 * Evict least-recently-used live entries inside every namespace above its quota (bytes or
 * entries), down to `lowWaterPercent` of that quota; a dry run only counts them.
 */
export async function evictNamespacesOverQuota(
  run: RunStep,
  options: {
    readonly now: Date;
    readonly namespaces: NamespacePolicies;
    readonly lowWaterPercent: number;
    readonly batchSize: number;
    readonly dryRun: boolean;
    readonly shouldStop: () => void;
  },
): Promise<NamespaceEviction[]> {
  const { now, namespaces, lowWaterPercent } = options;
  if (!Object.values(namespaces).some(hasQuota)) return [];
  const usage = await run('maintain.namespace-usage', (db) => readNamespaceUsage(db, now));
  const low = (limit: number | undefined): number | undefined =>
    limit === undefined ? undefined : Math.floor((limit * lowWaterPercent) / 100);
  const out: NamespaceEviction[] = [];
  for (const u of usage) {
    const policy = policyFor(namespaces, u.namespace);
    if (!hasQuota(policy)) continue;
    const overBytes = policy.maxBytes !== undefined && u.bytes > policy.maxBytes;
    const overEntries = policy.maxEntries !== undefined && u.entries > policy.maxEntries;
    if (!overBytes && !overEntries) continue;
    // Quotas count live entries only, so only live entries are shed.
    const shed: LruTarget = {
      namespace: u.namespace,
      liveAt: now,
      needBytes: Math.max(0, u.bytes - (low(policy.maxBytes) ?? u.bytes)),
      needEntries: Math.max(0, u.entries - (low(policy.maxEntries) ?? u.entries)),
    };
    options.shouldStop();
    const result = options.dryRun
      ? await countLru(run, shed)
      : await evictLru(run, shed, options.batchSize, options.shouldStop);
    out.push({ namespace: u.namespace, ...result });
  }
  return out;
}
