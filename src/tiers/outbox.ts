import type { Queryable } from '../db/database.js';

/** One write waiting in the outbox: the newest for its key (older ones are superseded). */
export interface OutboxItem {
  readonly id: number;
  readonly key: string;
  /** The JSON text to send. */
  readonly body: string;
  /** Failed sends of this key so far. */
  readonly attempts: number;
}

/** The outbox at a glance, for `stats`. */
export interface OutboxFigures {
  /** Writes waiting (all of them, superseded ones included). */
  readonly depth: number;
  /** Keys with writes waiting. */
  readonly keys: number;
  /** When the oldest waiting write was acknowledged (ISO), or null. */
  readonly oldestAt: string | null;
  /** Writes that failed at least once and wait for a retry. */
  readonly retrying: number;
  /** The most recent failure, or null. */
  readonly lastError: string | null;
}

/** Record a write for the origin; call it in the transaction that writes the entry. */
export async function enqueueOutbox(
  tx: Queryable,
  items: readonly { key: string; body: string }[],
  now: Date,
): Promise<void> {
  if (items.length === 0) return;
  await tx.query(
    `INSERT INTO pgcache_outbox (key, body, enqueued_at, next_attempt_at)
     SELECT t.key, t.body, $2, $2 FROM jsonb_to_recordset($1::jsonb) AS t(key text, body text)`,
    [JSON.stringify(items), now],
  );
}

/**
 * Up to `limit` keys whose writes are due at `now`, oldest first, each with its newest write:
 * sending only the newest value of a key is enough, and keeps the origin's order per key.
 */
export async function selectDueOutbox(
  db: Queryable,
  now: Date,
  limit: number,
): Promise<OutboxItem[]> {
  const { rows } = await db.query<{
    id: number | string;
    key: string;
    body: string;
    attempts: number;
  }>(
    `SELECT o.id, o.key, o.body, o.attempts FROM pgcache_outbox o
       JOIN (SELECT key, max(id) AS id, min(id) AS first FROM pgcache_outbox
              WHERE next_attempt_at <= $1 GROUP BY key ORDER BY first LIMIT $2) due ON o.id = due.id
      ORDER BY due.first`,
    [now, limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    key: r.key,
    body: r.body,
    attempts: Number(r.attempts),
  }));
}

/** The origin accepted `item`: delete it and every older write of its key. */
export async function acknowledgeOutbox(db: Queryable, item: OutboxItem): Promise<void> {
  await db.query(`DELETE FROM pgcache_outbox WHERE key = $1 AND id <= $2`, [item.key, item.id]);
}

/** Sending `item` failed: try its key again at `retryAt`, and record why. */
export async function postponeOutbox(
  db: Queryable,
  item: OutboxItem,
  retryAt: Date,
  error: string,
): Promise<void> {
  await db.query(
    `UPDATE pgcache_outbox SET attempts = attempts + 1, next_attempt_at = $3, last_error = $4
      WHERE key = $1 AND id <= $2`,
    [item.key, item.id, retryAt, error.slice(0, 500)],
  );
}

/** Depth, oldest write, retries and the last error of the outbox. */
export async function readOutboxFigures(db: Queryable): Promise<OutboxFigures> {
  const { rows } = await db.query<{
    depth: number;
    keys: number;
    oldest: Date | null;
    retrying: number;
    last_error: string | null;
  }>(
    `SELECT count(*)::integer AS depth, count(DISTINCT key)::integer AS keys,
            min(enqueued_at) AS oldest, count(*) FILTER (WHERE attempts > 0)::integer AS retrying,
            (SELECT last_error FROM pgcache_outbox WHERE last_error IS NOT NULL
              ORDER BY next_attempt_at DESC LIMIT 1) AS last_error
       FROM pgcache_outbox`,
  );
  const row = rows[0];
  return {
    depth: Number(row?.depth ?? 0),
    keys: Number(row?.keys ?? 0),
    oldestAt: row?.oldest == null ? null : new Date(row.oldest).toISOString(),
    retrying: Number(row?.retrying ?? 0),
    lastError: row?.last_error ?? null,
  };
}
