import type { Queryable } from '../db/database.js';
import { entries } from '../migrations/001-entries.js';

/** One index of the entries table as migration 1 creates it. */
export interface IndexDefinition {
  readonly name: string;
  /** The `CREATE INDEX` statement of migration 1. */
  readonly sql: string;
}

/**
 * The indexes of the entries table, read from migration 1's SQL so that there is one source:
 * `pgcache_entries_value` (GIN) answers `list --where`; the others serve expiry, LRU eviction
 * and the `--kind`/`--namespace` filters.
 */
export const ENTRY_INDEXES: readonly IndexDefinition[] = [
  ...entries.up.matchAll(/^CREATE INDEX (\w+) ON [^;]+;/gm),
].map((match) => ({ name: match[1] ?? '', sql: match[0] }));

/** The indexes of {@link ENTRY_INDEXES} that the entries table lacks. */
export async function missingEntryIndexes(db: Queryable): Promise<IndexDefinition[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT indexname AS name FROM pg_indexes
      WHERE schemaname = current_schema() AND tablename = 'pgcache_entries'`,
  );
  const present = new Set(rows.map((r) => r.name));
  return ENTRY_INDEXES.filter((index) => !present.has(index.name));
}

/** The statement that creates `index` unless it exists (safe to run twice). */
export function createIndexStatement(index: IndexDefinition): string {
  return index.sql.replace(/^CREATE INDEX /, 'CREATE INDEX IF NOT EXISTS ');
}
