import type { Database, Queryable } from '../db/database.js';
import { UsageError } from '../errors/index.js';
import type { EntrySummary } from './entry.js';
import {
  LIVE_AT,
  SUMMARY_COLUMNS,
  SUMMARY_FROM,
  likePrefix,
  toSummary,
  type EntryRow,
} from './entry-queries.js';
import { ENTRY_KINDS, type EntryKind } from './keys.js';
import {
  GIN_INDEX,
  existingValueIndexes,
  pathExpression,
  valueIndexName,
} from './value-indexes.js';

/** A `field=value` condition on the JSON value, as containment (`value @> {...}`). */
export interface WhereCondition {
  /** Path into the value: `a.b` → `['a', 'b']`. */
  readonly path: readonly string[];
  readonly value: unknown;
}

/** Filters of `list`; all given filters must hold. */
export interface ListFilter {
  readonly kind?: EntryKind | undefined;
  readonly namespace?: string | undefined;
  readonly framework?: string | undefined;
  readonly category?: string | undefined;
  readonly prefix?: string | undefined;
  readonly where?: readonly WhereCondition[] | undefined;
  /** Most entries returned. @default 100 */
  readonly limit?: number | undefined;
  /** Include entries that expired but are not purged yet. @default false */
  readonly includeExpired?: boolean | undefined;
}

/** Largest `limit` accepted. */
export const MAX_LIST_LIMIT = 100_000;

/** How many entries `list` answers when no `limit` is given. */
const DEFAULT_LIST_LIMIT = 100;

/**
 * Parse `field=value` (value as JSON when it parses, else as a string; `a.b=1` reaches into
 * nested objects).
 */
export function parseWhere(text: string): WhereCondition {
  const at = text.indexOf('=');
  const field = at < 0 ? '' : text.slice(0, at);
  if (at <= 0 || field.split('.').some((part) => part === '')) {
    throw new UsageError(`--where ${JSON.stringify(text)} is not field=value`, {
      hint: 'Write it as --where framework=react or --where meta.size=3.',
    });
  }
  const raw = text.slice(at + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // a bare word is a string
  }
  return { path: field.split('.'), value };
}

/** Build the containment document of one condition: `a.b=1` → `{"a":{"b":1}}`. */
export function containment(condition: WhereCondition): unknown {
  return condition.path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), condition.value);
}

/** How one `--where` condition is answered: by an index (its name), or by a scan (`null`). */
export interface WhereUse {
  /** The condition's path, e.g. `user.id`. */
  readonly field: string;
  readonly index: string | null;
}

/** What `list` found, how many match in all, and how its `--where` conditions were answered. */
export interface ListResult {
  readonly entries: EntrySummary[];
  /** Entries matching the filter, the limit aside: more than `entries` when the list was cut. */
  readonly total: number;
  readonly where: readonly WhereUse[];
}

/** Entry summaries matching `filter`, ordered by key: the page alone (`store.list()`). */
export async function listEntries(
  db: Queryable,
  filter: ListFilter,
  now: Date,
): Promise<EntrySummary[]> {
  return (await listPage(db, filter, now)).rows.map(toSummary);
}

/**
 * {@link listEntries}, and a count of every match when the limit cut the list. The page and the
 * count are one transaction, with one `now` and one statement (counted without its limit), so
 * they agree on what matches: nothing writes in between on an embedded store; on a server, writes
 * committed in between can still move the count.
 */
export function listWithTotal(db: Database, filter: ListFilter, now: Date): Promise<ListResult> {
  return db.transaction(async (tx) => {
    const { rows, sql, params, where, limit } = await listPage(tx, filter, now);
    // Fewer rows than the limit is all of them.
    const total = rows.length < limit ? rows.length : await countMatches(tx, sql, params);
    return { entries: rows.map(toSummary), total, where };
  });
}

async function listPage(db: Queryable, filter: ListFilter, now: Date) {
  const indexes =
    (filter.where ?? []).length === 0 ? new Set<string>() : await existingValueIndexes(db);
  const { sql, params, where, limit } = buildListQuery(filter, now, indexes);
  const { rows } = await db.query<EntryRow>(sql, params);
  return { rows, sql, params, where, limit };
}

/**
 * The statement {@link listEntries} runs (exposed so that tests can EXPLAIN it), given the value
 * indexes the table has. A condition on a path with an index of its own and a scalar value is an
 * equality on the path's expression (the same rows as containment: a scalar contains only
 * itself); any other is containment, answered by the GIN index when there is one.
 */
export function buildListQuery(
  filter: ListFilter,
  now: Date,
  indexes: ReadonlySet<string> = new Set(),
): { sql: string; params: unknown[]; where: WhereUse[]; limit: number } {
  const params: unknown[] = [];
  const bind = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const clauses: string[] = [];
  if (filter.includeExpired !== true) clauses.push(LIVE_AT(bind(now), 'e.'));
  if (filter.kind !== undefined) {
    if (!ENTRY_KINDS.includes(filter.kind)) {
      throw new UsageError(`unknown kind ${JSON.stringify(filter.kind)}`, {
        hint: `Use one of ${ENTRY_KINDS.join(', ')}.`,
      });
    }
    clauses.push(`e.kind = ${bind(filter.kind)}`);
  }
  if (filter.namespace !== undefined) clauses.push(`e.namespace = ${bind(filter.namespace)}`);
  if (filter.framework !== undefined) clauses.push(`e.framework = ${bind(filter.framework)}`);
  if (filter.category !== undefined) clauses.push(`e.category = ${bind(filter.category)}`);
  if (filter.prefix !== undefined && filter.prefix !== '') {
    clauses.push(`e.key LIKE ${bind(likePrefix(filter.prefix))}`);
  }
  const where: WhereUse[] = [];
  for (const condition of filter.where ?? []) {
    const field = condition.path.join('.');
    const own = valueIndexName(field);
    if (indexes.has(own) && isScalar(condition.value)) {
      const value = bind(JSON.stringify(condition.value));
      clauses.push(`${pathExpression(condition.path, 'e.')} = ${value}::jsonb`);
      where.push({ field, index: own });
    } else {
      clauses.push(`e.value @> ${bind(JSON.stringify(containment(condition)))}::jsonb`);
      where.push({ field, index: indexes.has(GIN_INDEX) ? GIN_INDEX : null });
    }
  }
  const limit = filter.limit ?? DEFAULT_LIST_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new UsageError(
      `--limit must be a whole number from 1 to ${MAX_LIST_LIMIT}, got ${limit}`,
      {
        hint: 'For example --limit 50.',
      },
    );
  }
  const conditions = clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`;
  const sql = `SELECT ${SUMMARY_COLUMNS} FROM ${SUMMARY_FROM} ${conditions} ORDER BY e.key LIMIT ${bind(limit)}`;
  return { sql, params, where, limit };
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value !== 'object';
}

// How many rows the list statement `sql` matches without its limit, which buildListQuery binds
// last (`LIMIT NULL` is none).
async function countMatches(db: Queryable, sql: string, params: unknown[]): Promise<number> {
  const unlimited = [...params.slice(0, -1), null];
  const { rows } = await db.query<{ total: number }>(
    `SELECT count(*)::integer AS total FROM (${sql}) matches`,
    unlimited,
  );
  return Number(rows[0]?.total ?? 0);
}
