import type { Database, Transaction } from '../db/database.js';
import type { NamespacePolicies } from '../namespaces/namespace-policy.js';
import type { WrittenEntry } from './entry.js';
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

/** What {@link writeEntries} writes: the entries, when, and what else. */
export interface WriteBatch {
  readonly writes: readonly EntryWrite[];
  readonly now: Date;
  readonly rules: WriteRules;
}

/**
 * Write entries, all or none. A lone entry with no quota to check and nothing else to do is one
 * statement; anything more is one transaction: quota checks, the upserts, then `also`.
 */
export async function writeEntries(db: Database, batch: WriteBatch): Promise<void> {
  const { writes, now, rules } = batch;
  const at = now.toISOString();
  const checks = quotaChecks(
    writes.map((w) => w.entry),
    rules.namespaces,
  );
  const [only] = writes;
  if (writes.length === 1 && only !== undefined && checks.length === 0 && rules.also === undefined)
    return upsertEntry(db, only.entry, at, only.expiresAt);
  return db.transaction(async (tx) => {
    for (const check of checks) await assertWithinQuota(tx, check, now);
    for (const { entry, expiresAt } of writes) await upsertEntry(tx, entry, at, expiresAt);
    await rules.also?.(tx);
  });
}

/** What a write of `entry` at `now` leaves in the store, as the caller is told. */
export function writtenEntry(entry: EncodedEntry, now: Date, expiresAt: Date | null): WrittenEntry {
  return {
    key: entry.parsed.key,
    kind: entry.parsed.kind,
    namespace: entry.parsed.namespace,
    framework: entry.framework,
    category: entry.category,
    sizeBytes: entry.sizeBytes,
    updatedAt: now,
    expiresAt,
  };
}
