import type { Queryable } from '../db/database.js';
import type { Entry, EntrySummary } from './entry.js';
import type { EncodedEntry } from './entry-codec.js';
import type { EntryKind, ParsedKey } from './keys.js';

/** A row of `pgcache_entries` joined with its access record, as the drivers return it. */
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
}

/**
 * Columns of an entry summary, from `pgcache_entries e` joined with its access record
 * `pgcache_access a` ({@link SUMMARY_FROM}).
 */
export const SUMMARY_COLUMNS = `e.key, e.kind, e.namespace, e.framework, e.category, e.size_bytes,
  e.created_at, e.updated_at, coalesce(a.accessed_at, e.created_at) AS accessed_at,
  coalesce(a.access_count, 0) AS access_count, e.expires_at`;

/** The entries with their access records, for {@link SUMMARY_COLUMNS}. */
export const SUMMARY_FROM = 'pgcache_entries e LEFT JOIN pgcache_access a ON a.key = e.key';

/** `expires_at` is still in the future (or never) at `$n`. */
export const LIVE_AT = (param: string, table = ''): string =>
  `(${table}expires_at IS NULL OR ${table}expires_at > ${param})`;

/** The minute (since the epoch) an entry expiring at `at` expires in: what its index orders. */
export function expiryMinute(at: Date | null): number | null {
  return at === null ? null : Math.floor(at.getTime() / 60_000);
}

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

/** What a read needs of a stored entry: its value (decoded once), size and expiry. */
export interface StoredValue {
  readonly value: unknown;
  readonly sizeBytes: number;
  readonly expiresAt: Date | null;
}

/** The columns {@link decodeStored} reads, after any others. */
export const STORED_COLUMNS = `value, size_bytes, (extract(epoch FROM expires_at) * 1000)::float8`;

/** Decode the {@link STORED_COLUMNS} starting at field `at`. */
function storedAt(fields: readonly (string | null)[], at: number): StoredValue {
  const expires = fields[at + 2];
  return {
    value: JSON.parse(fields[at] as string),
    sizeBytes: Number(fields[at + 1]),
    expiresAt: expires === null || expires === undefined ? null : new Date(Number(expires)),
  };
}

const decodeStored = (fields: readonly (string | null)[]): StoredValue => storedAt(fields, 0);

const decodeKeyed = (fields: readonly (string | null)[]): StoredValue & { key: string } => ({
  key: fields[0] as string,
  ...storedAt(fields, 1),
});

const SELECT_LIVE = `SELECT ${STORED_COLUMNS} FROM pgcache_entries WHERE key = $1 AND ${LIVE_AT('$2')}`;

/** What {@link selectLive} reads: a key, live since an instant (ISO). */
export interface LiveRead {
  readonly key: string;
  readonly since: string;
}

/**
 * Read the value, size and expiry of the entry under `read.key` if it is live `read.since`. No
 * write: the access is recorded later, in a batch.
 */
export async function selectLive(db: Queryable, read: LiveRead): Promise<StoredValue | undefined> {
  const { rows } = await db.queryDecoded(SELECT_LIVE, [read.key, read.since], decodeStored);
  return rows[0];
}

/** The {@link Entry} a read returns, from its key and what was stored. */
export function toEntry(parsed: ParsedKey, stored: StoredValue): Entry {
  return {
    key: parsed.key,
    kind: parsed.kind,
    namespace: parsed.namespace,
    framework: parsed.framework,
    value: stored.value,
    sizeBytes: stored.sizeBytes,
    expiresAt: stored.expiresAt,
  };
}

const SELECT_LIVE_MANY = `SELECT key, ${STORED_COLUMNS} FROM pgcache_entries
      WHERE key IN (SELECT jsonb_array_elements_text($1::jsonb)) AND ${LIVE_AT('$2')}`;

/** Read the live entries among `keys` (one statement), keyed by key. */
export async function selectLiveMany(
  db: Queryable,
  keys: readonly string[],
  now: Date,
): Promise<Map<string, StoredValue>> {
  const { rows } = await db.queryDecoded(
    SELECT_LIVE_MANY,
    [JSON.stringify(keys), now.toISOString()],
    decodeKeyed,
  );
  return new Map(rows.map((row) => [row.key, row]));
}

/** Live entries with their values, key after `after`, starting with `prefix`, in key order. */
export async function scanLive(
  db: Queryable,
  page: { prefix: string; after: string | undefined; limit: number },
  now: Date,
): Promise<(StoredValue & { key: string })[]> {
  const { rows } = await db.queryDecoded(
    `SELECT key, ${STORED_COLUMNS} FROM pgcache_entries
      WHERE key LIKE $1 AND key > $2 AND ${LIVE_AT('$3')}
      ORDER BY key LIMIT $4`,
    [likePrefix(page.prefix), page.after ?? '', now.toISOString(), page.limit],
    decodeKeyed,
  );
  return rows;
}

// Insert or replace the entry (its kind and namespace come from its key: a replacement keeps
// them). A new entry (or one replacing an expired entry: created now) gets a
// fresh access record, a live replacement keeps the one it has (and costs the second insert
// nothing: no row reaches it). Nothing is returned: the caller knows everything it wrote.
const UPSERT_ENTRY = `WITH written AS (
  INSERT INTO pgcache_entries AS e
         (key, kind, namespace, framework, category, value, size_bytes, created_at, updated_at, expires_at, expiry_minute)
  VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $8, $9, $10)
  ON CONFLICT (key) DO UPDATE SET
    framework = EXCLUDED.framework, category = EXCLUDED.category,
    value = EXCLUDED.value, size_bytes = EXCLUDED.size_bytes,
    updated_at = EXCLUDED.updated_at, expires_at = EXCLUDED.expires_at,
    expiry_minute = EXCLUDED.expiry_minute,
    created_at = CASE WHEN e.expires_at <= EXCLUDED.updated_at THEN EXCLUDED.created_at ELSE e.created_at END
  RETURNING key, created_at)
INSERT INTO pgcache_access AS a (key, created_at, accessed_at, access_count)
  SELECT key, created_at, created_at, 0 FROM written WHERE created_at = $8
  ON CONFLICT (key) DO UPDATE SET
    created_at = EXCLUDED.created_at, accessed_at = EXCLUDED.accessed_at, access_count = 0
    WHERE a.created_at IS DISTINCT FROM EXCLUDED.created_at`;

/**
 * Insert or replace one entry. Replacing an expired entry starts it afresh (creation time, access
 * time and count), replacing a live one keeps them.
 */
export async function upsertEntry(
  db: Queryable,
  entry: EncodedEntry,
  now: string,
  expiresAt: Date | null,
): Promise<void> {
  await db.queryDecoded(
    UPSERT_ENTRY,
    [
      entry.parsed.key,
      entry.parsed.kind,
      entry.parsed.namespace,
      entry.framework,
      entry.category,
      entry.json,
      entry.sizeBytes,
      now,
      expiresAt === null ? null : expiresAt.toISOString(),
      expiryMinute(expiresAt),
    ],
    noRows,
  );
}

// For statements that return no rows: nothing to decode, nothing parsed.
const noRows = (): never => {
  throw new Error('the statement returned a row it should not have');
};

/**
 * `DELETE … RETURNING key, <returning>` on the entries chosen by `where`, with their access
 * records, as one statement.
 */
export function deleteWithAccess(where: string, returning: string, alsoWith?: string): string {
  return `WITH gone AS (DELETE FROM pgcache_entries WHERE ${where} RETURNING key, ${returning}),
  forgotten AS (DELETE FROM pgcache_access WHERE key IN (SELECT key FROM gone))${
    alsoWith === undefined ? '' : `,\n  ${alsoWith}`
  }
  SELECT * FROM gone`;
}

const DELETE_ENTRIES = deleteWithAccess(
  'key IN (SELECT jsonb_array_elements_text($1::jsonb))',
  `${LIVE_AT('$2')} AS live`,
);

/** Delete keys; returns how many of them were live (expired rows are removed but not counted). */
export async function deleteEntries(
  db: Queryable,
  keys: readonly string[],
  now: Date,
): Promise<number> {
  const { rows } = await db.query<{ live: boolean }>(DELETE_ENTRIES, [JSON.stringify(keys), now]);
  return rows.filter((r) => r.live).length;
}

// Times go as epoch milliseconds (float8): 500 of them parse in a third less time than as text.
const RECORD_ACCESS = `UPDATE pgcache_access AS a
        SET accessed_at = GREATEST(a.accessed_at, to_timestamp(t.ms / 1000)),
            access_count = a.access_count + t.n
       FROM unnest($1::text[], $2::float8[], $3::integer[]) AS t(key, ms, n)
      WHERE a.key = t.key`;

/** Record buffered reads: access time (never moved back) and count per key, one statement. */
export async function recordAccess(
  db: Queryable,
  touches: readonly { key: string; at: number; count: number }[],
): Promise<void> {
  if (touches.length === 0) return;
  await db.query(RECORD_ACCESS, [
    arrayLiteral(touches.map((t) => t.key)),
    `{${touches.map((t) => t.at).join(',')}}`,
    `{${touches.map((t) => t.count).join(',')}}`,
  ]);
}

/** A Postgres array literal of `values`, each quoted (keys may hold `"`, `\`, `{` or `,`). */
function arrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
}

/** `key LIKE 'prefix%'` with the prefix's own wildcards escaped. */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, '\\$&')}%`;
}

const DELETE_PREFIX_BATCH = deleteWithAccess(
  'key IN (SELECT key FROM pgcache_entries WHERE key LIKE $1 LIMIT $2)',
  'size_bytes',
);

// A Keyv envelope `{"value":…,"expires":…}`, as JSON or in the JSON string form of old.
const ENVELOPE = `((jsonb_typeof(value) = 'object' AND value ? 'value'
                   AND (value - 'value' - 'expires') = '{}'::jsonb)
               OR (jsonb_typeof(value) = 'string' AND value #>> '{}' LIKE '{"value":%'))`;

const DELETE_ENVELOPE_PREFIX_BATCH = deleteWithAccess(
  `key IN (SELECT key FROM pgcache_entries WHERE key LIKE $1 AND ${ENVELOPE} LIMIT $2)`,
  'size_bytes',
);

/**
 * Delete up to `limit` entries whose key starts with `prefix` (`envelopes`: only those holding a
 * Keyv envelope); returns how many.
 */
export async function deletePrefixBatch(
  db: Queryable,
  batch: { prefix: string; limit: number; envelopes: boolean },
): Promise<number> {
  const sql = batch.envelopes ? DELETE_ENVELOPE_PREFIX_BATCH : DELETE_PREFIX_BATCH;
  const { rows } = await db.query(sql, [likePrefix(batch.prefix), batch.limit]);
  return rows.length;
}
