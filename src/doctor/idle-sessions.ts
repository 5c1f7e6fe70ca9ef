import type { Queryable } from '../db/database.js';

/** A server session of this tool that sits idle. */
export interface IdleSession {
  readonly pid: number;
  /** `idle`, `idle in transaction` or `idle in transaction (aborted)`. */
  readonly state: string;
  readonly idleMs: number;
  /** Its last statement, shortened. */
  readonly query: string;
}

/**
 * This tool's sessions on the server (`application_name` 'pgcache', the wire adapter's default)
 * in this database that have been idle, or idle in a transaction, for at least `minIdleMs`; the
 * session asking is left out.
 */
export async function readIdleSessions(db: Queryable, minIdleMs: number): Promise<IdleSession[]> {
  const { rows } = await db.query<{
    pid: number;
    state: string;
    idle_ms: number | string;
    query: string;
  }>(
    `SELECT pid, state, (extract(epoch FROM now() - state_change) * 1000)::bigint AS idle_ms,
            left(query, 60) AS query
       FROM pg_stat_activity
      WHERE application_name = 'pgcache' AND datname = current_database()
        AND pid <> pg_backend_pid()
        AND state IN ('idle', 'idle in transaction', 'idle in transaction (aborted)')
        AND state_change <= now() - $1 * interval '1 millisecond'
      ORDER BY state_change`,
    [minIdleMs],
  );
  return rows.map((r) => ({
    pid: r.pid,
    state: r.state,
    idleMs: Number(r.idle_ms),
    query: r.query,
  }));
}
