import type { Queryable } from '../db/database.js';
import { expiryMinute } from '../store/entry-queries.js';
import { countedRemoval } from './counted-removal.js';

/** What a purge or eviction step removed (or would remove, in a dry run). */
export interface StepResult {
  readonly entries: number;
  readonly bytes: number;
}

/** Run one bounded write of a maintenance step (through the store's resilience path). */
export type RunStep = <T>(name: string, fn: (db: Queryable) => Promise<T>) => Promise<T>;

// Expired at $1: the index finds the minutes that are due ($2), the exact time decides.
const EXPIRED = 'expiry_minute <= $2 AND expires_at <= $1';

const PURGE_BATCH = countedRemoval(
  `key IN (SELECT key FROM pgcache_entries WHERE expiry_minute <= $3 AND expires_at <= $1
             ORDER BY expiry_minute LIMIT $2)`,
  'size_bytes',
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
      db.query<{ size_bytes: number }>(PURGE_BATCH, [now, batchSize, expiryMinute(now)]),
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
         FROM pgcache_entries WHERE ${EXPIRED}`,
      [now, expiryMinute(now)],
    ),
  );
  return { entries: Number(rows[0]?.entries ?? 0), bytes: Number(rows[0]?.bytes ?? 0) };
}
