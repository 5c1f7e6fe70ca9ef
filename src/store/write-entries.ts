import type { Database, Transaction } from '../db/database.js';
import type { NamespacePolicies } from '../namespaces/namespace-policy.js';
import type { EntrySummary } from './entry.js';
import type { EncodedEntry } from './entry-codec.js';
import { upsertEntry } from './entry-queries.js';
import { assertWithinQuota, quotaChecks } from './namespace-quota.js';

/** One entry ready to be written. */
export interface EntryWrite {
  readonly entry: EncodedEntry;
  readonly expiresAt: Date | null;
}

/** What else a write must respect or do. */
export interface WriteRules {
  /** Namespace quotas to enforce. */
  readonly namespaces: NamespacePolicies;
  /** Run in the same transaction, after the entries are written (e.g. to fill an outbox). */
  readonly also?: ((tx: Transaction) => Promise<void>) | undefined;
}

/**
 * Write entries, all or none. A lone entry with no quota to check and nothing else to do is one
 * statement; anything more is one transaction: quota checks, the upserts, then `also`.
 */
export async function writeEntries(
  db: Database,
  writes: readonly EntryWrite[],
  now: Date,
  rules: WriteRules,
): Promise<EntrySummary[]> {
  const checks = quotaChecks(
    writes.map((w) => w.entry),
    rules.namespaces,
  );
  const [only] = writes;
  if (writes.length === 1 && only !== undefined && checks.length === 0 && rules.also === undefined)
    return [await upsertEntry(db, only.entry, now, only.expiresAt)];
  return db.transaction(async (tx) => {
    for (const check of checks) await assertWithinQuota(tx, check, now);
    const written: EntrySummary[] = [];
    for (const { entry, expiresAt } of writes)
      written.push(await upsertEntry(tx, entry, now, expiresAt));
    await rules.also?.(tx);
    return written;
  });
}
