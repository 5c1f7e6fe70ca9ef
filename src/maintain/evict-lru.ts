import { LIVE_AT } from '../store/entry-queries.js';
import { countedRemoval } from './counted-removal.js';
import type { RunStep, StepResult } from './purge-expired.js';

/** Which least-recently-used entries to evict: the oldest candidates until both needs are met. */
export interface LruTarget {
  /** Only entries of this namespace are candidates. @default every entry */
  readonly namespace?: string;
  /** Entries that expired at or before this instant are not candidates (they are purged instead). */
  readonly liveAt: Date;
  /** Logical bytes to free. */
  readonly needBytes: number;
  /** Entries to remove. @default 0 */
  readonly needEntries?: number;
}

const STEPS = {
  store: {
    candidates: 'maintain.evict-candidates',
    evict: 'maintain.evict',
    count: 'maintain.count-eviction',
  },
  namespace: {
    candidates: 'maintain.namespace-candidates',
    evict: 'maintain.namespace-evict',
    count: 'maintain.count-namespace-eviction',
  },
} as const;

/**
 * The candidates of `target` in eviction order (ties broken by key, so the order is total), as a
 * WHERE clause and its parameters. {@link evictLru} and {@link countLru} share it, so that a dry
 * run counts exactly the rows a real run deletes.
 */
function candidates(target: LruTarget): { where: string; params: unknown[] } {
  return target.namespace === undefined
    ? { where: LIVE_AT('$1', 'e.'), params: [target.liveAt] }
    : {
        where: `e.namespace = $2 AND ${LIVE_AT('$1', 'e.')}`,
        params: [target.liveAt, target.namespace],
      };
}

// The access records in LRU order (their index), each joined with its entry.
const CANDIDATES = 'pgcache_access a JOIN pgcache_entries e ON e.key = a.key';
const ORDER = 'ORDER BY a.accessed_at, a.key';

const EVICT = countedRemoval(
  'key IN (SELECT jsonb_array_elements_text($1::jsonb))',
  'size_bytes',
  'evicted',
);

/**
 * Delete least-recently-used candidates until `needBytes` are freed and `needEntries` removed, in
 * batches of `batchSize` so that no statement runs long. Walks the index on the access records'
 * `accessed_at`.
 */
export async function evictLru(
  run: RunStep,
  target: LruTarget,
  batchSize: number,
  shouldStop: () => void,
): Promise<StepResult> {
  const steps = target.namespace === undefined ? STEPS.store : STEPS.namespace;
  const { where, params } = candidates(target);
  const needEntries = target.needEntries ?? 0;
  let entries = 0;
  let bytes = 0;
  while (bytes < target.needBytes || entries < needEntries) {
    shouldStop();
    const { rows } = await run(steps.candidates, (db) =>
      db.query<{ key: string; size_bytes: number }>(
        `SELECT e.key, e.size_bytes FROM ${CANDIDATES} WHERE ${where} ${ORDER}
          LIMIT $${params.length + 1}`,
        [...params, batchSize],
      ),
    );
    const chosen: string[] = [];
    let [plannedBytes, plannedEntries] = [bytes, entries];
    for (const row of rows) {
      if (plannedBytes >= target.needBytes && plannedEntries >= needEntries) break;
      chosen.push(row.key);
      plannedBytes += Number(row.size_bytes);
      plannedEntries += 1;
    }
    if (chosen.length === 0) break;
    const deleted = await run(steps.evict, (db) =>
      db.query<{ size_bytes: number }>(EVICT, [JSON.stringify(chosen)]),
    );
    if (deleted.rows.length === 0) break;
    entries += deleted.rows.length;
    bytes += deleted.rows.reduce((sum, r) => sum + Number(r.size_bytes), 0);
  }
  return { entries, bytes };
}

/** Count what {@link evictLru} would delete for `target`, in one statement. */
export async function countLru(run: RunStep, target: LruTarget): Promise<StepResult> {
  const needEntries = target.needEntries ?? 0;
  if (target.needBytes <= 0 && needEntries <= 0) return { entries: 0, bytes: 0 };
  const steps = target.namespace === undefined ? STEPS.store : STEPS.namespace;
  const { where, params } = candidates(target);
  const n = params.length;
  const { rows } = await run(steps.count, (db) =>
    db.query<{ entries: number; bytes: number | string }>(
      `SELECT count(*)::integer AS entries, coalesce(sum(size_bytes), 0)::bigint AS bytes FROM (
         SELECT e.size_bytes,
                sum(e.size_bytes) OVER (${ORDER}) - e.size_bytes AS bytes_before,
                row_number() OVER (${ORDER}) - 1 AS entries_before
           FROM ${CANDIDATES} WHERE ${where}) ranked
        WHERE bytes_before < $${n + 1} OR entries_before < $${n + 2}`,
      [...params, target.needBytes, needEntries],
    ),
  );
  return { entries: Number(rows[0]?.entries ?? 0), bytes: Number(rows[0]?.bytes ?? 0) };
}
