import type { Queryable } from '../db/database.js';

/** Live and dead row counts of the entries table. */
export interface RowCounts {
  readonly live: number;
  readonly dead: number;
}

/**
 * Dead and live rows of the entries table. PGlite keeps no statistics across a close and has no
 * autovacuum to gather them, so on the embedded store `ANALYZE` samples the table first (it
 * estimates dead rows too, and changes nothing but planner statistics) and the counters are
 * flushed so that `pg_stat_user_tables` shows them. A server keeps them itself.
 */
export async function readRowCounts(
  db: Queryable,
  options: { analyze: boolean },
): Promise<RowCounts> {
  if (options.analyze) {
    await db.exec('ANALYZE pgcache_entries');
    await db.query('SELECT pg_stat_force_next_flush()');
  }
  const { rows } = await db.query<{ live: number | string; dead: number | string }>(
    `SELECT n_live_tup AS live, n_dead_tup AS dead FROM pg_stat_user_tables
      WHERE relname = 'pgcache_entries' AND schemaname = current_schema()`,
  );
  return { live: Number(rows[0]?.live ?? 0), dead: Number(rows[0]?.dead ?? 0) };
}
