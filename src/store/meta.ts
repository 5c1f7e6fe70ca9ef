import type { Queryable } from '../db/database.js';
import { likePrefix } from './entry-queries.js';

/** Keys of the documents the store keeps in pgcache_meta. */
export const META_KEYS = {
  lastMaintenance: 'last-maintenance',
  maintenanceLedger: 'maintenance-ledger',
  lastStress: 'last-stress',
  breakerPrefix: 'breaker:',
} as const;

/** Read the JSON document stored under `key`, or `undefined`. */
export async function readMeta<T>(db: Queryable, key: string): Promise<T | undefined> {
  const { rows } = await db.query<{ value: T }>(`SELECT value FROM pgcache_meta WHERE key = $1`, [
    key,
  ]);
  return rows[0]?.value;
}

/** Read every document whose key starts with `prefix`. */
export async function readMetaPrefix<T>(db: Queryable, prefix: string): Promise<Map<string, T>> {
  const { rows } = await db.query<{ key: string; value: T }>(
    `SELECT key, value FROM pgcache_meta WHERE key LIKE $1 ORDER BY key`,
    [likePrefix(prefix)],
  );
  return new Map(rows.map((r) => [r.key, r.value]));
}

/** Store `value` as the JSON document under `key`. */
export async function writeMeta(
  db: Queryable,
  key: string,
  value: unknown,
  now: Date,
): Promise<void> {
  await db.query(
    `INSERT INTO pgcache_meta (key, value, updated_at) VALUES ($1, $2::jsonb, $3)
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
    [key, JSON.stringify(value), now],
  );
}

/** Read persisted counters (hits, misses…) as numbers. */
export async function readCounters(db: Queryable): Promise<Record<string, number>> {
  const { rows } = await db.query<{ name: string; value: number | string }>(
    `SELECT name, value FROM pgcache_counters`,
  );
  return Object.fromEntries(rows.map((r) => [r.name, Number(r.value)]));
}
