import { UsageError } from '../errors/index.js';
import { parseBytes } from '../config/units.js';

/** Limits of one namespace; a limit left out does not apply. */
export interface NamespacePolicy {
  /** Logical bytes (compact JSON) its live entries may hold. */
  readonly maxBytes?: number;
  /** Live entries it may hold. */
  readonly maxEntries?: number;
  /** Calls per second let through by `serve` (token bucket). */
  readonly ratePerSec?: number;
  /** Calls let through at once after a quiet spell. @default max(1, ceil(ratePerSec)) */
  readonly burst?: number;
}

/**
 * Policies by namespace name, from the `namespaces` setting. The name `*` is the default for
 * every namespace not listed by name (each such namespace gets its own quota and bucket).
 */
export type NamespacePolicies = Readonly<Record<string, NamespacePolicy>>;

/** The name that holds the default policy. */
export const DEFAULT_NAMESPACE_POLICY = '*';

// The namespace is the first segment of a key (`<namespace>:<rest>`), so it holds no ':'.
const NAMESPACE = /^[A-Za-z0-9][A-Za-z0-9._@+-]*$/;

/** The policy that applies to `namespace` (its own, else the `*` default), if any. */
export function policyFor(
  policies: NamespacePolicies,
  namespace: string | null,
): NamespacePolicy | undefined {
  if (namespace === null) return undefined;
  return Object.hasOwn(policies, namespace)
    ? policies[namespace]
    : policies[DEFAULT_NAMESPACE_POLICY];
}

/** True when the policy limits what a namespace may hold (bytes or entries). */
export function hasQuota(policy: NamespacePolicy | undefined): policy is NamespacePolicy {
  return policy?.maxBytes !== undefined || policy?.maxEntries !== undefined;
}

/** `KEY` inside namespace `namespace` (`--namespace user-42 prefs` → `user-42:prefs`). */
export function scopeKey(namespace: string | undefined, key: string): string {
  if (namespace === undefined) return key;
  assertNamespaceName(namespace);
  return `${namespace}:${key}`;
}

/** Throw a usage error unless `name` can be a namespace (one key segment, no ':'). */
export function assertNamespaceName(name: string): void {
  if (!NAMESPACE.test(name)) {
    throw new UsageError(`invalid namespace ${JSON.stringify(name)}`, {
      hint: 'A namespace is one key segment: letters, digits, ".", "_", "@", "+", "-" (no ":"), e.g. user-42.',
    });
  }
}

/**
 * Read the `namespaces` setting: `{"*": {...}, "user-42": {"maxBytes": "1MB", "maxEntries":
 * 100, "ratePerSec": 5}}`. Throws a `RangeError` naming the bad field (the loader turns it into a
 * configuration error).
 */
export function parseNamespacePolicies(raw: unknown): NamespacePolicies {
  if (!isPlainObject(raw)) throw new RangeError('expected an object of namespace: {limits}');
  const out: Record<string, NamespacePolicy> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (name !== DEFAULT_NAMESPACE_POLICY && !NAMESPACE.test(name))
      throw new RangeError(`"${name}" is not a namespace name (one key segment, no ":")`);
    out[name] = parsePolicy(name, value);
  }
  return out;
}

function parsePolicy(name: string, raw: unknown): NamespacePolicy {
  if (!isPlainObject(raw)) throw new RangeError(`${name}: expected an object of limits`);
  const policy: { -readonly [K in keyof NamespacePolicy]: number } = {};
  for (const [field, value] of Object.entries(raw)) {
    const where = `${name}.${field}`;
    switch (field) {
      case 'maxBytes':
        policy.maxBytes = positive(where, typeof value === 'string' ? parseBytes(value) : value);
        break;
      case 'maxEntries':
      case 'burst':
        policy[field] = positive(where, value, true);
        break;
      case 'ratePerSec':
        policy.ratePerSec = positive(where, value);
        break;
      default:
        throw new RangeError(
          `${where} is not a namespace limit (maxBytes, maxEntries, ratePerSec, burst)`,
        );
    }
  }
  return policy;
}

function positive(where: string, value: unknown, integer = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new RangeError(`${where} must be a number above 0, got ${JSON.stringify(value)}`);
  if (integer && !Number.isInteger(value))
    throw new RangeError(`${where} must be a whole number, got ${value}`);
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
