import { readNamespaceUsage } from '../store/namespace-quota.js';
import type { CallOptions } from '../store/store-options.js';
import type { Store } from '../store/store.js';
import {
  DEFAULT_NAMESPACE_POLICY,
  policyFor,
  type NamespacePolicies,
  type NamespacePolicy,
} from './namespace-policy.js';

/** One namespace in `stats`: what it holds against its policy. */
export interface NamespaceReport {
  readonly namespace: string;
  readonly entries: number;
  readonly bytes: number;
  /** The policy that applies (its own or the `*` default), or null. */
  readonly policy: NamespacePolicy | null;
  /** Share of each quota in use (percent), null where there is no such quota. */
  readonly used: { readonly bytes: number | null; readonly entries: number | null };
}

/**
 * What each namespace holds against its policy: `only` that one, or every namespace named in the
 * policies (the `*` default names none).
 */
export async function readNamespaceReport(
  store: Store,
  policies: NamespacePolicies,
  now: Date,
  only?: string,
  options: CallOptions = {},
): Promise<NamespaceReport[]> {
  const names =
    only === undefined
      ? Object.keys(policies).filter((name) => name !== DEFAULT_NAMESPACE_POLICY)
      : [only];
  if (names.length === 0) return [];
  const usage = await store.execute(
    'read',
    'stats.namespaces',
    (db) => readNamespaceUsage(db, now, names),
    { ...options, bypassBreaker: true },
  );
  const percent = (n: number, of: number | undefined): number | null =>
    of === undefined ? null : Math.round((n / of) * 10_000) / 100;
  return names.map((namespace) => {
    const u = usage.find((x) => x.namespace === namespace) ?? { entries: 0, bytes: 0 };
    const policy = policyFor(policies, namespace) ?? null;
    return {
      namespace,
      entries: u.entries,
      bytes: u.bytes,
      policy,
      used: {
        bytes: percent(u.bytes, policy?.maxBytes),
        entries: percent(u.entries, policy?.maxEntries),
      },
    };
  });
}
