import type { Queryable } from '../db/database.js';
import type { Entry, EntrySummary } from './entry.js';
import type { EncodedEntry } from './entry-codec.js';
import type { EntryKind } from './keys.js';

/** A row of pgcache_entries as the drivers return it. */
export interface EntryRow {
  key: string;
  kind: EntryKind;
  namespace: string | null;
  framework: string | null;
  category: string | null;
  size_bytes: number;
  created_at: Date;
  updated_at: Date;
  accessed_at: Date;
  access_count: number | string;
  expires_at: Date | null;
  value?: unknown;
}

/** Columns of an entry without its value. */
export const SUMMARY_COLUMNS =
  'key, kind, namespace, framework, category, size_bytes, created_at, updated_at, accessed_at, access_count, expires_at';

/** `expires_at` is still in the future (or never) at `$n`. */
export const LIVE_AT = (param: string): string => `(expires_at IS NULL OR expires_at > ${param})`;

/** Map a row to an {@link EntrySummary}. */
export function toSummary(row: EntryRow): EntrySummary {
  return {
    key: row.key,
    kind: row.kind,
    namespace: row.namespace,
    framework: row.framework,
    category: row.category,
    sizeBytes: Number(row.size_bytes),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    accessedAt: new Date(row.accessed_at),
    accessCount: Number(row.access_count),
    expiresAt: row.expires_at === null ? null : new Date(row.expires_at),
  };
}

/** Map a row selected with its value to an {@link Entry}. */
export function toEntry(row: EntryRow): Entry {
  return { ...toSummary(row), value: row.value };
}

const SELECT_LIVE_ENTRY = `SELECT ${SUMMARY_COLUMNS}, value FROM pgcache_entries WHERE key = $1 AND ${LIVE_AT('$2')}`;

/** Read one live entry (no write: access is recorded later, in a batch). */
export async function selectLiveEntry(
  db: Queryable,
  key: string,
  now: Date,
): Promise<Entry | undefined> {
  const { rows } = await db.query<EntryRow>(SELECT_LIVE_ENTRY, [key, now]);
  const row = rows[0];
  return row === undefined ? undefined : toEntry(row);
}

const UPSERT_ENTRY = `INSERT INTO pgcache_entries AS e
       (key, kind, namespace, framework, category, value, size_bytes, created_at, updated_at, accessed_at, access_count, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $8, $8, 0, $9)
     ON CONFLICT (key) DO UPDATE SET
       kind = EXCLUDED.kind, namespace = EXCLUDED.namespace, framework = EXCLUDED.framework,
       category = EXCLUDED.category, value = EXCLUDED.value, size_bytes = EXCLUDED.size_bytes,
       updated_at = EXCLUDED.updated_at, expires_at = EXCLUDED.expires_at,
       created_at = CASE WHEN e.expires_at <= EXCLUDED.updated_at THEN EXCLUDED.created_at ELSE e.created_at END,
       accessed_at = CASE WHEN e.expires_at <= EXCLUDED.updated_at THEN EXCLUDED.accessed_at ELSE e.accessed_at END,
       access_count = CASE WHEN e.expires_at <= EXCLUDED.updated_at THEN 0 ELSE e.access_count END
     RETURNING ${SUMMARY_COLUMNS}`;

/**
 * Insert or replace one entry. Replacing an expired entry starts it afresh (creation time and
 * access count), replacing a live one keeps them.
 */
export async function upsertEntry(
  db: Queryable,
  entry: EncodedEntry,
  now: Date,
  expiresAt: Date | null,
): Promise<EntrySummary> {
  const { rows } = await db.query<EntryRow>(UPSERT_ENTRY, [
    entry.parsed.key,
    entry.parsed.kind,
    entry.parsed.namespace,
    entry.framework,
    entry.category,
    entry.json,
    entry.sizeBytes,
    now,
    expiresAt,
  ]);
  return toSummary(rows[0] as EntryRow);
}

const DELETE_ENTRIES = `DELETE FROM pgcache_entries WHERE key IN (SELECT jsonb_array_elements_text($1::jsonb))
     RETURNING ${LIVE_AT('$2')} AS live`;

/** Delete keys; returns how many of them were live (expired rows are removed but not counted). */
export async function deleteEntries(
  db: Queryable,
  keys: readonly string[],
  now: Date,
): Promise<number> {
  const { rows } = await db.query<{ live: boolean }>(DELETE_ENTRIES, [JSON.stringify(keys), now]);
  return rows.filter((r) => r.live).length;
}

const RECORD_ACCESS = `UPDATE pgcache_entries AS e
        SET accessed_at = GREATEST(e.accessed_at, t.at), access_count = e.access_count + t.n
       FROM jsonb_to_recordset($1::jsonb) AS t(key text, at timestamptz, n integer)
      WHERE e.key = t.key`;

/** Record buffered reads: access time (never moved back) and count per key. */
export async function recordAccess(
  db: Queryable,
  touches: readonly { key: string; at: Date; count: number }[],
): Promise<void> {
  if (touches.length === 0) return;
  await db.query(RECORD_ACCESS, [
    JSON.stringify(touches.map((t) => ({ key: t.key, at: t.at.toISOString(), n: t.count }))),
  ]);
}

const SELECT_LIVE_ENTRIES = `SELECT ${SUMMARY_COLUMNS}, value FROM pgcache_entries
      WHERE key IN (SELECT jsonb_array_elements_text($1::jsonb)) AND ${LIVE_AT('$2')}`;

/** Read the live entries among `keys` (one statement), keyed by key. */
export async function selectLiveEntries(
  db: Queryable,
  keys: readonly string[],
  now: Date,
): Promise<Map<string, Entry>> {
  const { rows } = await db.query<EntryRow>(SELECT_LIVE_ENTRIES, [JSON.stringify(keys), now]);
  return new Map(rows.map((row) => [row.key, toEntry(row)]));
}

/** `key LIKE 'prefix%'` with the prefix's own wildcards escaped. */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, '\\$&')}%`;
}

/** Delete up to `limit` entries whose key starts with `prefix`; returns how many. */
export async function deletePrefixBatch(
  db: Queryable,
  prefix: string,
  limit: number,
): Promise<number> {
  const { affectedRows } = await db.query(
    `DELETE FROM pgcache_entries WHERE key IN (
       SELECT key FROM pgcache_entries WHERE key LIKE $1 LIMIT $2)`,
    [likePrefix(prefix), limit],
  );
  return affectedRows;
}

/** Live entries with their values, key after `after`, starting with `prefix`, in key order. */
export async function scanEntries(
  db: Queryable,
  page: { prefix: string; after: string | undefined; limit: number },
  now: Date,
): Promise<Entry[]> {
  const { rows } = await db.query<EntryRow>(
    `SELECT ${SUMMARY_COLUMNS}, value FROM pgcache_entries
      WHERE key LIKE $1 AND key > $2 AND ${LIVE_AT('$3')}
      ORDER BY key LIMIT $4`,
    [likePrefix(page.prefix), page.after ?? '', now, page.limit],
  );
  return rows.map(toEntry);
}
