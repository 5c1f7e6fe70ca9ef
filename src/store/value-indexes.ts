import { createHash } from 'node:crypto';
import type { Queryable } from '../db/database.js';

/** Declared in `indexes`, the GIN index over every value (`list --where` on any path). */
export const EVERY_VALUE = '*';

/** The name of the GIN index over every value (the one migration 1 created). */
export const GIN_INDEX = 'pgcache_entries_value';

const PREFIX = 'pgcache_entries_by_';
const SEGMENT = /^[a-z0-9]+$/;

/**
 * Read the `indexes` setting: JSON paths (`user.id`) or `*`, as an array or a comma-separated
 * string. Returns them joined by commas (the setting's value); throws a RangeError naming a bad one.
 */
export function parseIndexPaths(raw: unknown): string {
  const items = Array.isArray(raw)
    ? (raw as unknown[])
    : typeof raw === 'string'
      ? raw.split(',')
      : undefined;
  if (items === undefined)
    throw new TypeError(`expected a list of JSON paths, got ${JSON.stringify(raw)}`);
  const paths = items.map((item) => {
    const path = typeof item === 'string' ? item.trim() : '';
    if (path === EVERY_VALUE) return path;
    if (path === '' || path.includes(',') || path.split('.').some((part) => part === '')) {
      throw new RangeError(
        `${JSON.stringify(item)} is not a JSON path; write field names joined by dots (user.id), or "*"`,
      );
    }
    return path;
  });
  return [...new Set(paths)].join(',');
}

/** The paths of an `indexes` setting value. */
export function indexPaths(value: string | undefined): string[] {
  return value === undefined || value === '' ? [] : value.split(',');
}

/** The index `list --where PATH=…` uses: its name, for the path's expression. */
export function valueIndexName(path: string): string {
  if (path === EVERY_VALUE) return GIN_INDEX;
  const parts = path.split('.');
  const slug = parts.map((p) => p.toLowerCase().replace(/[^a-z0-9]+/g, '_')).join('_');
  const plain = parts.every((p) => SEGMENT.test(p));
  const name = `${PREFIX}${slug}`;
  if (plain && name.length <= 63) return name;
  const hash = createHash('sha256').update(path).digest('hex').slice(0, 8);
  return `${name.slice(0, 63 - 9)}_${hash}`;
}

/** `(value #> '{…}'::text[])`: the JSON at `path` of `<table>value`, as an index expression. */
export function pathExpression(path: readonly string[], table = ''): string {
  const elements = path.map((p) => `"${p.replace(/[\\"]/g, '\\$&')}"`).join(',');
  return `(${table}value #> '{${elements.replace(/'/g, "''")}}'::text[])`;
}

/** The statement that creates the index for `path` unless it exists. */
export function createValueIndex(path: string): string {
  const name = valueIndexName(path);
  return path === EVERY_VALUE
    ? `CREATE INDEX IF NOT EXISTS ${name} ON pgcache_entries USING gin (value jsonb_path_ops)`
    : `CREATE INDEX IF NOT EXISTS ${name} ON pgcache_entries (${pathExpression(path.split('.'))})`;
}

/** The value indexes the entries table has now (the GIN index and the per-path ones), by name. */
export async function existingValueIndexes(db: Queryable): Promise<Set<string>> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT indexname AS name FROM pg_indexes
      WHERE schemaname = current_schema() AND tablename = 'pgcache_entries'
        AND (indexname = $1 OR indexname LIKE $2)`,
    [GIN_INDEX, `${PREFIX.replace(/_/g, '\\_')}%`],
  );
  return new Set(rows.map((r) => r.name));
}

/**
 * Create the indexes `paths` declares that the entries table lacks; returns their names. Nothing
 * is dropped: an index declared by another process's configuration stays until removed by hand.
 */
export async function ensureValueIndexes(
  db: Queryable,
  paths: readonly string[],
): Promise<string[]> {
  if (paths.length === 0) return [];
  const present = await existingValueIndexes(db);
  const missing = paths.filter((path) => !present.has(valueIndexName(path)));
  for (const path of missing) await db.exec(createValueIndex(path));
  return missing.map(valueIndexName);
}
