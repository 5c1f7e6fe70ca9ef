import type { Queryable } from '../db/database.js';
import { MIGRATIONS, readMigrationStatus } from '../migrations/index.js';
import { createValueIndex, valueIndexName } from '../store/value-indexes.js';

/** One index the store's tables should have. */
export interface IndexDefinition {
  readonly name: string;
  /** The statement that creates it. */
  readonly sql: string;
  /** What is slow without it, when that is worth saying. */
  readonly without?: string;
}

/**
 * The indexes of the entries and their access records at schema `version`, read from the
 * migrations' SQL so that there is one source: every `CREATE INDEX` that no later migration
 * drops (expiry, LRU order, the `--kind` and `--namespace` filters).
 */
export function schemaIndexes(version = Infinity): IndexDefinition[] {
  const indexes = new Map<string, string>();
  for (const migration of MIGRATIONS) {
    if (migration.version > version) break;
    const statements =
      /^CREATE INDEX (\w+) ON pgcache_(?:entries|access) [^;]+;|^DROP INDEX (?:IF EXISTS )?(\w+);/gm;
    for (const match of migration.up.matchAll(statements)) {
      if (match[1] !== undefined) indexes.set(match[1], match[0]);
      else if (match[2] !== undefined) indexes.delete(match[2]);
    }
  }
  return [...indexes].map(([name, sql]) => ({ name, sql }));
}

/** The indexes a store at `version` should have: the schema's, and the ones `indexes` declares. */
export function expectedIndexes(declared: readonly string[], version?: number): IndexDefinition[] {
  return [
    ...schemaIndexes(version),
    ...declared.map((path) => ({
      name: valueIndexName(path),
      sql: `${createValueIndex(path)};`,
      without: `\`list --where ${path === '*' ? 'FIELD' : path}\` scans the whole table without it`,
    })),
  ];
}

/** The indexes a store should have at the schema version it has, and those its tables lack. */
export async function entryIndexes(
  db: Queryable,
  declared: readonly string[] = [],
): Promise<{ expected: IndexDefinition[]; missing: IndexDefinition[] }> {
  const { current } = await readMigrationStatus(db, MIGRATIONS);
  const expected = expectedIndexes(declared, current);
  const { rows } = await db.query<{ name: string }>(
    `SELECT indexname AS name FROM pg_indexes
      WHERE schemaname = current_schema() AND tablename IN ('pgcache_entries', 'pgcache_access')`,
  );
  const present = new Set(rows.map((r) => r.name));
  return { expected, missing: expected.filter((index) => !present.has(index.name)) };
}

/** The statement that creates `index` unless it exists (safe to run twice). */
export function createIndexStatement(index: IndexDefinition): string {
  return index.sql.replace(/^CREATE INDEX (?!IF NOT EXISTS)/, 'CREATE INDEX IF NOT EXISTS ');
}
