import type { Queryable } from '../db/database.js';
import { countedRemoval } from './counted-removal.js';

/** What a purge or eviction step removed (or would remove, in a dry run). */
export interface StepResult {
  readonly entries: number;
  readonly bytes: number;
}

/** Run one bounded write of a maintenance step (through the store's resilience path). */
export type RunStep = <T>(name: string, fn: (db: Queryable) => Promise<T>) => Promise<T>;

const PURGE_BATCH = countedRemoval(
  `DELETE FROM pgcache_entries WHERE key IN (
     SELECT key FROM pgcache_entries WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)
   RETURNING size_bytes`,
  'expired',
);

/**
 * Delete expired entries in batches of `batchSize`, so that no single statement runs long (a
 * running PGlite statement cannot be interrupted). `shouldStop` is checked between batches.
 */
export async function purgeExpired(
  run: RunStep,
  now: Date,
  batchSize: number,
  shouldStop: () => void,
): Promise<StepResult> {
  let entries = 0;
  let bytes = 0;
  for (;;) {
    shouldStop();
    const { rows } = await run('maintain.purge', (db) =>
      db.query<{ size_bytes: number }>(PURGE_BATCH, [now, batchSize]),
    );
    entries += rows.length;
    bytes += rows.reduce((sum, r) => sum + Number(r.size_bytes), 0);
    if (rows.length < batchSize) return { entries, bytes };
  }
}

/** Count what {@link purgeExpired} would delete. */
export async function countExpired(run: RunStep, now: Date): Promise<StepResult> {
  const { rows } = await run('maintain.count-expired', (db) =>
    db.query<{ entries: number; bytes: number | string }>(
      `SELECT count(*)::integer AS entries, coalesce(sum(size_bytes), 0)::bigint AS bytes
         FROM pgcache_entries WHERE expires_at <= $1`,
      [now],
    ),
  );
  return { entries: Number(rows[0]?.entries ?? 0), bytes: Number(rows[0]?.bytes ?? 0) };
}
