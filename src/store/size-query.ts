import type { Queryable } from '../db/database.js';
import { ENTRY_KINDS, type EntryKind } from './keys.js';

/** Counts and logical bytes of the entries table, by kind. */
export interface SizeFigures {
  readonly entries: { readonly total: number; readonly byKind: Record<EntryKind, number> };
  readonly bytes: { readonly total: number; readonly byKind: Record<EntryKind, number> };
  /** Entries past their expiry and not purged yet (included in the totals above). */
  readonly expired: { readonly entries: number; readonly bytes: number };
}

const zero = (): Record<EntryKind, number> => ({ component: 0, block: 0, generic: 0 });

/**
 * Count entries and sum their sizes by kind in one pass. Every kind is its own row, so the total
 * is the exact sum of all kinds (never one column standing for all).
 */
export async function readSizeFigures(db: Queryable, now: Date): Promise<SizeFigures> {
  const { rows } = await db.query<{
    kind: EntryKind;
    entries: number;
    bytes: number | string;
    expired: number;
    expired_bytes: number | string;
  }>(
    `SELECT kind,
            count(*)::integer AS entries,
            coalesce(sum(size_bytes), 0)::bigint AS bytes,
            (count(*) FILTER (WHERE expires_at <= $1))::integer AS expired,
            coalesce(sum(size_bytes) FILTER (WHERE expires_at <= $1), 0)::bigint AS expired_bytes
       FROM pgcache_entries GROUP BY kind`,
    [now],
  );
  const entries = zero();
  const bytes = zero();
  let expired = 0;
  let expiredBytes = 0;
  for (const row of rows) {
    if (!ENTRY_KINDS.includes(row.kind)) continue;
    entries[row.kind] = Number(row.entries);
    bytes[row.kind] = Number(row.bytes);
    expired += Number(row.expired);
    expiredBytes += Number(row.expired_bytes);
  }
  const sum = (r: Record<EntryKind, number>): number => r.component + r.block + r.generic;
  return {
    entries: { total: sum(entries), byKind: entries },
    bytes: { total: sum(bytes), byKind: bytes },
    expired: { entries: expired, bytes: expiredBytes },
  };
}
