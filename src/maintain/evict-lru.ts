import type { RunStep, StepResult } from './purge-expired.js';

/**
 * Delete least-recently-used entries until `needBytes` are freed, in batches of `batchSize`
 * (ties broken by key, so the order is total). Uses the index on `accessed_at`.
 */
export async function evictLeastRecentlyUsed(
  run: RunStep,
  needBytes: number,
  batchSize: number,
  shouldStop: () => void,
): Promise<StepResult> {
  let entries = 0;
  let bytes = 0;
  while (bytes < needBytes) {
    shouldStop();
    const { rows } = await run('maintain.evict-candidates', (db) =>
      db.query<{ key: string; size_bytes: number }>(
        `SELECT key, size_bytes FROM pgcache_entries ORDER BY accessed_at, key LIMIT $1`,
        [batchSize],
      ),
    );
    if (rows.length === 0) break;
    const chosen: string[] = [];
    let planned = bytes;
    for (const row of rows) {
      if (planned >= needBytes) break;
      chosen.push(row.key);
      planned += Number(row.size_bytes);
    }
    const deleted = await run('maintain.evict', (db) =>
      db.query<{ size_bytes: number }>(
        `DELETE FROM pgcache_entries WHERE key IN (SELECT jsonb_array_elements_text($1::jsonb)) RETURNING size_bytes`,
        [JSON.stringify(chosen)],
      ),
    );
    entries += deleted.rows.length;
    bytes += deleted.rows.reduce((sum, r) => sum + Number(r.size_bytes), 0);
    if (deleted.rows.length === 0) break;
  }
  return { entries, bytes };
}

/** Count what {@link evictLeastRecentlyUsed} would delete to free `needBytes` (live entries only). */
export async function countEviction(
  run: RunStep,
  now: Date,
  needBytes: number,
): Promise<StepResult> {
  if (needBytes <= 0) return { entries: 0, bytes: 0 };
  const { rows } = await run('maintain.count-eviction', (db) =>
    db.query<{ entries: number; bytes: number | string }>(
      `SELECT count(*)::integer AS entries, coalesce(sum(size_bytes), 0)::bigint AS bytes FROM (
         SELECT size_bytes, sum(size_bytes) OVER (ORDER BY accessed_at, key) - size_bytes AS before
           FROM pgcache_entries WHERE expires_at IS NULL OR expires_at > $1) ranked
        WHERE before < $2`,
      [now, needBytes],
    ),
  );
  return { entries: Number(rows[0]?.entries ?? 0), bytes: Number(rows[0]?.bytes ?? 0) };
}
