import type { Queryable } from '../db/database.js';

/** An entry whose recorded size is not the size of its JSON. */
export interface SizeMismatch {
  readonly key: string;
  readonly recorded: number;
  readonly actual: number;
}

/** What {@link recountSizes} found. */
export interface RecountReport {
  /** Entries recounted (the first ones by key). */
  readonly checked: number;
  /** Entries whose recorded size differs, counted in full. */
  readonly mismatches: number;
  /** The first few of them. */
  readonly examples: readonly SizeMismatch[];
}

/** Options of {@link recountSizes}. */
export interface RecountOptions {
  /** Stop after this many entries. */
  readonly maxEntries: number;
  /** Stop once this many bytes of values were read. @default 64 MiB */
  readonly maxBytes?: number;
  /** Entries per statement. @default 500 */
  readonly batchSize?: number;
}

/**
 * Recompute entries' sizes the way the store computes them — the UTF-8 length of the value's
 * compact JSON — and compare them with the recorded `size_bytes`. `octet_length(value::text)`
 * would not do: jsonb prints `{"a": 1}` with spaces. Parsing the jsonb back and serialising it
 * compactly gives the length of the original JSON (key order changes, key count and numbers'
 * text do not). Reads in batches by key, each one short statement through `read`.
 */
export async function recountSizes(
  read: <T>(fn: (db: Queryable) => Promise<T>) => Promise<T>,
  options: RecountOptions,
): Promise<RecountReport> {
  const batchSize = options.batchSize ?? 500;
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  let after = '';
  let checked = 0;
  let bytes = 0;
  let mismatches = 0;
  const examples: SizeMismatch[] = [];
  while (checked < options.maxEntries && bytes < maxBytes) {
    const limit = Math.min(batchSize, options.maxEntries - checked);
    const { rows } = await read((db) =>
      db.query<{ key: string; size_bytes: number; value: unknown }>(
        `SELECT key, size_bytes, value FROM pgcache_entries WHERE key > $1 ORDER BY key LIMIT $2`,
        [after, limit],
      ),
    );
    for (const row of rows) {
      const actual = Buffer.byteLength(JSON.stringify(row.value), 'utf8');
      bytes += actual;
      if (actual !== Number(row.size_bytes)) {
        mismatches += 1;
        if (examples.length < 3)
          examples.push({ key: row.key, recorded: Number(row.size_bytes), actual });
      }
    }
    checked += rows.length;
    after = rows.at(-1)?.key ?? after;
    if (rows.length < limit) break;
  }
  return { checked, mismatches, examples };
}
