import { hasQuota, policyFor, type NamespacePolicies } from '../namespaces/namespace-policy.js';
import { LIVE_AT } from '../store/entry-queries.js';
import { readNamespaceUsage } from '../store/namespace-quota.js';
import type { RunStep, StepResult } from './purge-expired.js';

/** What maintenance evicted (or would evict) in one namespace over its quota. */
export interface NamespaceEviction extends StepResult {
  readonly namespace: string;
}

/** How much one namespace must shed: bytes and entries, down to its low-water mark. */
interface Shed {
  readonly namespace: string;
  readonly bytes: number;
  readonly entries: number;
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
    const shed: Shed = {
      namespace: u.namespace,
      bytes: Math.max(0, u.bytes - (low(policy.maxBytes) ?? u.bytes)),
      entries: Math.max(0, u.entries - (low(policy.maxEntries) ?? u.entries)),
    };
    options.shouldStop();
    const result = options.dryRun
      ? await countShed(run, now, shed)
      : await shedLeastRecentlyUsed(run, now, shed, options.batchSize, options.shouldStop);
    out.push({ namespace: u.namespace, ...result });
  }
  return out;
}

async function shedLeastRecentlyUsed(
  run: RunStep,
  now: Date,
  shed: Shed,
  batchSize: number,
  shouldStop: () => void,
): Promise<StepResult> {
  let entries = 0;
  let bytes = 0;
  while (bytes < shed.bytes || entries < shed.entries) {
    shouldStop();
    const { rows } = await run('maintain.namespace-candidates', (db) =>
      db.query<{ key: string; size_bytes: number }>(
        `SELECT key, size_bytes FROM pgcache_entries WHERE namespace = $1 AND ${LIVE_AT('$2')}
          ORDER BY accessed_at, key LIMIT $3`,
        [shed.namespace, now, batchSize],
      ),
    );
    const chosen: string[] = [];
    let [plannedBytes, plannedEntries] = [bytes, entries];
    for (const row of rows) {
      if (plannedBytes >= shed.bytes && plannedEntries >= shed.entries) break;
      chosen.push(row.key);
      plannedBytes += Number(row.size_bytes);
      plannedEntries += 1;
    }
    if (chosen.length === 0) break;
    const deleted = await run('maintain.namespace-evict', (db) =>
      db.query<{ size_bytes: number }>(
        `DELETE FROM pgcache_entries WHERE key IN (SELECT jsonb_array_elements_text($1::jsonb))
         RETURNING size_bytes`,
        [JSON.stringify(chosen)],
      ),
    );
    if (deleted.rows.length === 0) break;
    entries += deleted.rows.length;
    bytes += deleted.rows.reduce((sum, r) => sum + Number(r.size_bytes), 0);
  }
  return { entries, bytes };
}

async function countShed(run: RunStep, now: Date, shed: Shed): Promise<StepResult> {
  const { rows } = await run('maintain.count-namespace-eviction', (db) =>
    db.query<{ entries: number; bytes: number | string }>(
      `SELECT count(*)::integer AS entries, coalesce(sum(size_bytes), 0)::bigint AS bytes FROM (
         SELECT size_bytes,
                sum(size_bytes) OVER (ORDER BY accessed_at, key) - size_bytes AS bytes_before,
                row_number() OVER (ORDER BY accessed_at, key) - 1 AS entries_before
           FROM pgcache_entries WHERE namespace = $1 AND ${LIVE_AT('$2')}) ranked
        WHERE bytes_before < $3 OR entries_before < $4`,
      [shed.namespace, now, shed.bytes, shed.entries],
    ),
  );
  return { entries: Number(rows[0]?.entries ?? 0), bytes: Number(rows[0]?.bytes ?? 0) };
}
