import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock.js';
import { RateLimitedError } from '../errors/index.js';
import { formatDuration } from '../config/units.js';
import { policyFor, type NamespacePolicies } from './namespace-policy.js';

/**
 * Whether a call may go ahead now, with the bucket's `limit` (its burst; infinite when the
 * namespace has no rate) for the HTTP RateLimit-* headers.
 */
export type RateDecision =
  | {
      readonly allowed: true;
      readonly limit: number;
      readonly remaining: number;
      /** Until the bucket is full again. */
      readonly resetMs: number;
    }
  | { readonly allowed: false; readonly limit: number; readonly retryAfterMs: number };

const UNLIMITED: RateDecision = {
  allowed: true,
  limit: Number.POSITIVE_INFINITY,
  remaining: Number.POSITIVE_INFINITY,
  resetMs: 0,
};

/** Options for {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens added per second. */
  readonly ratePerSec: number;
  /** Tokens the bucket holds at most (calls let through at once). @default max(1, ceil(ratePerSec)) */
  readonly burst?: number | undefined;
}

/**
 * A token bucket on an injected clock: it starts full, refills continuously at `ratePerSec` up to
 * `burst`, and a call takes one token or is told how long until one is there.
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #at: number;

  constructor(options: TokenBucketOptions, deps: { readonly clock: Clock }) {
    this.#rate = options.ratePerSec;
    this.#burst = options.burst ?? Math.max(1, Math.ceil(options.ratePerSec));
    if (!(this.#rate > 0 && Number.isFinite(this.#rate)))
      throw new RangeError(`Expected \`ratePerSec\` to be above 0, got ${this.#rate}`);
    if (!(Number.isInteger(this.#burst) && this.#burst >= 1))
      throw new RangeError(`Expected \`burst\` to be an integer from 1 and up, got ${this.#burst}`);
    this.#clock = deps.clock;
    this.#tokens = this.#burst;
    this.#at = deps.clock.now();
  }

  /** Take `n` tokens if they are there; otherwise take nothing and say when they will be. */
  take(n = 1): RateDecision {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#at) / 1000) * this.#rate);
    this.#at = now;
    const limit = this.#burst;
    if (this.#tokens >= n) {
      this.#tokens -= n;
      const resetMs = Math.ceil(((limit - this.#tokens) / this.#rate) * 1000);
      return { allowed: true, limit, remaining: Math.floor(this.#tokens), resetMs };
    }
    const retryAfterMs = Math.ceil(((n - this.#tokens) / this.#rate) * 1000);
    return { allowed: false, limit, retryAfterMs };
  }
}

/** Options for {@link NamespaceRateLimiter}. */
export interface NamespaceRateLimiterOptions {
  /** Buckets kept at most; the least recently used one is dropped (and starts full again). @default 10000 */
  readonly maxTracked?: number;
}

/**
 * Per-namespace rate limits: one {@link TokenBucket} per namespace whose policy (its own or the
 * `*` default) has a `ratePerSec`. Namespaces without one are never limited. `serve` answers a
 * refusal with HTTP 429 and `Retry-After: ceil(retryAfterMs / 1000)`.
 */
export class NamespaceRateLimiter {
  readonly #policies: NamespacePolicies;
  readonly #clock: Clock;
  readonly #buckets: LRUCache<string, TokenBucket>;

  constructor(
    policies: NamespacePolicies,
    deps: { readonly clock: Clock },
    options: NamespaceRateLimiterOptions = {},
  ) {
    this.#policies = policies;
    this.#clock = deps.clock;
    this.#buckets = new LRUCache({ max: options.maxTracked ?? 10_000 });
  }

  /** Whether a call in `namespace` may go ahead now (it takes a token when it may). */
  check(namespace: string | null): RateDecision {
    const policy = policyFor(this.#policies, namespace);
    if (namespace === null || policy?.ratePerSec === undefined) return UNLIMITED;
    let bucket = this.#buckets.get(namespace);
    if (bucket === undefined) {
      bucket = new TokenBucket(
        { ratePerSec: policy.ratePerSec, burst: policy.burst },
        { clock: this.#clock },
      );
      this.#buckets.set(namespace, bucket);
    }
    return bucket.take();
  }

  /** Take a token for a call in `namespace`, or throw {@link RateLimitedError} when over its rate. */
  admit(namespace: string | null): Extract<RateDecision, { allowed: true }> {
    const decision = this.check(namespace);
    if (decision.allowed) return decision;
    throw new RateLimitedError(
      `namespace ${namespace} is over its rate limit of ${policyFor(this.#policies, namespace)?.ratePerSec}/s; retry in ${formatDuration(decision.retryAfterMs)}`,
      decision.retryAfterMs,
      {
        limit: decision.limit,
        hint: 'Slow down, or raise ratePerSec for this namespace in pgcache.config.json.',
      },
    );
  }

  /** Run `fn` if `namespace` is within its rate; otherwise reject with {@link RateLimitedError}. */
  async run<T>(namespace: string | null, fn: () => Promise<T>): Promise<T> {
    this.admit(namespace);
    return fn();
  }
}

/** The `Retry-After` header value (whole seconds, at least 1) for a refusal. */
export function retryAfterSeconds(retryAfterMs: number): number {
  return Math.max(1, Math.ceil(retryAfterMs / 1000));
}
