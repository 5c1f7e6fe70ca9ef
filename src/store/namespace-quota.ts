import type { Queryable } from '../db/database.js';
import { formatBytes } from '../config/units.js';
import { QuotaExceededError } from '../errors/index.js';
import {
  hasQuota,
  policyFor,
  type NamespacePolicies,
  type NamespacePolicy,
} from '../namespaces/namespace-policy.js';
import type { EncodedEntry } from './entry-codec.js';
import { LIVE_AT } from './entry-queries.js';

/** What one namespace holds: live entries and their logical bytes. */
export interface NamespaceUsage {
  readonly namespace: string;
  readonly entries: number;
  readonly bytes: number;
}

/** The writes of one call that land in a namespace with a quota. */
export interface QuotaCheck {
  readonly namespace: string;
  readonly policy: NamespacePolicy;
  readonly keys: readonly string[];
  readonly bytes: number;
}

/** Group `entries` by namespace, keeping the namespaces whose policy sets a quota. */
export function quotaChecks(
  entries: readonly EncodedEntry[],
  policies: NamespacePolicies,
): QuotaCheck[] {
  // Per namespace, the size of each key's last write (a key written twice in a batch counts once).
  const checks = new Map<string, { policy: NamespacePolicy; sizes: Map<string, number> }>();
  for (const entry of entries) {
    const namespace = entry.parsed.namespace;
    const policy = policyFor(policies, namespace);
    if (namespace === null || !hasQuota(policy)) continue;
    const check = checks.get(namespace) ?? { policy, sizes: new Map<string, number>() };
    check.sizes.set(entry.parsed.key, entry.sizeBytes);
    checks.set(namespace, check);
  }
  return [...checks].map(([namespace, { policy, sizes }]) => ({
    namespace,
    policy,
    keys: [...sizes.keys()],
    bytes: [...sizes.values()].reduce((a, b) => a + b, 0),
  }));
}

/**
 * Refuse, with {@link QuotaExceededError}, writes that would take the namespace over its quota.
 * Run it in the write's transaction: a transaction-scoped advisory lock on the namespace makes
 * concurrent writers on a PostgreSQL server take turns, and it needs no session state.
 */
export async function assertWithinQuota(
  tx: Queryable,
  check: QuotaCheck,
  now: Date,
): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`pgcache:ns:${check.namespace}`]);
  const { rows } = await tx.query<{ entries: number; bytes: number | string }>(
    `SELECT count(*)::integer AS entries, coalesce(sum(size_bytes), 0)::bigint AS bytes
       FROM pgcache_entries
      WHERE namespace = $1 AND ${LIVE_AT('$2')}
        AND key NOT IN (SELECT jsonb_array_elements_text($3::jsonb))`,
    [check.namespace, now, JSON.stringify(check.keys)],
  );
  const entries = Number(rows[0]?.entries ?? 0) + check.keys.length;
  const bytes = Number(rows[0]?.bytes ?? 0) + check.bytes;
  const { maxEntries, maxBytes } = check.policy;
  const over =
    maxEntries !== undefined && entries > maxEntries
      ? `${entries} entries (quota ${maxEntries})`
      : maxBytes !== undefined && bytes > maxBytes
        ? `${formatBytes(bytes)} (quota ${formatBytes(maxBytes)})`
        : undefined;
  if (over === undefined) return;
  throw new QuotaExceededError(
    `namespace ${check.namespace} would hold ${over}; nothing was written`,
    {
      hint: `Delete entries from ${check.namespace}, wait for some to expire, or raise its quota (namespaces in pgcache.config.json).`,
    },
  );
}

/** Live entries and bytes per namespace (all of them, or only `names`), largest first. */
export async function readNamespaceUsage(
  db: Queryable,
  now: Date,
  names?: readonly string[],
): Promise<NamespaceUsage[]> {
  const only =
    names === undefined ? '' : `AND namespace IN (SELECT jsonb_array_elements_text($2::jsonb))`;
  const { rows } = await db.query<{ namespace: string; entries: number; bytes: number | string }>(
    `SELECT namespace, count(*)::integer AS entries, coalesce(sum(size_bytes), 0)::bigint AS bytes
       FROM pgcache_entries WHERE namespace IS NOT NULL AND ${LIVE_AT('$1')} ${only}
      GROUP BY namespace ORDER BY bytes DESC, namespace`,
    names === undefined ? [now] : [now, JSON.stringify(names)],
  );
  return rows.map((r) => ({
    namespace: r.namespace,
    entries: Number(r.entries),
    bytes: Number(r.bytes),
  }));
}
