import { createHash } from 'node:crypto';
import { UnsupportedMediaTypeError, UsageError } from '../errors/index.js';
import type { RateDecision } from '../namespaces/rate-limiter.js';
import { retryAfterSeconds } from '../namespaces/rate-limiter.js';

/**
 * Refuse a body whose `Content-Type` is not JSON (`application/json`, or `…+json`), before it is
 * parsed: a form or text body is a client mistake, not data.
 */
export function requireJsonContentType(contentType: string | undefined): void {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type)) return;
  throw new UnsupportedMediaTypeError(
    `the request body must be application/json, got ${type === '' ? 'no Content-Type' : type}`,
    { hint: 'Send "Content-Type: application/json" with a JSON body.' },
  );
}

/** Refuse query parameters other than `allowed`, naming them (a typo must not be ignored). */
export function refuseUnknownParameters(url: URL, allowed: readonly string[]): void {
  const unknown = [...new Set(url.searchParams.keys())].filter((k) => !allowed.includes(k));
  if (unknown.length === 0) return;
  throw new UsageError(
    `unknown query ${unknown.length === 1 ? 'parameter' : 'parameters'} ${unknown.join(', ')} on ${url.pathname}`,
    {
      hint:
        allowed.length === 0
          ? `${url.pathname} takes no query parameters.`
          : `It takes ${allowed.join(', ')}.`,
    },
  );
}

/**
 * The fields of a JSON object body (`{}` when there is none), refusing any other than `allowed`
 * by name: `{"dryrun": 1}` must not run a real maintenance.
 */
export function bodyFields(
  body: unknown,
  allowed: readonly string[],
  where: string,
): Readonly<Record<string, unknown>> {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new UsageError(`the body of ${where} must be a JSON object`, {
      hint: `Send an object with ${allowed.join(', ')}.`,
    });
  }
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown ${unknown.length === 1 ? 'field' : 'fields'} ${unknown.join(', ')} in the body of ${where}`,
      { hint: `It takes ${allowed.join(', ')}.` },
    );
  }
  return body as Record<string, unknown>;
}

/**
 * A strong entity tag of an entry's value and expiry: the same stored entry gives the same tag
 * whichever tier answers, and a rewrite with another value or TTL gives another.
 */
export function entityTag(value: unknown, expiresAt: string | null): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([value, expiresAt]))
    .digest('base64url');
  return `"${digest.slice(0, 27)}"`;
}

/** True when `If-None-Match` names `etag` (weak comparison, as RFC 9110 asks for GET) or `*`. */
export function noneMatch(header: string | string[] | undefined, etag: string): boolean {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value === undefined) return false;
  return value
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === '*' || t === etag);
}

/**
 * The RateLimit-* headers (draft-ietf-httpapi-ratelimit-headers, as express-rate-limit and
 * others send them) of a namespace's decision: none for a namespace without a rate.
 */
export function rateLimitHeaders(decision: RateDecision): Record<string, string> {
  if (!Number.isFinite(decision.limit)) return {};
  const remaining = decision.allowed ? decision.remaining : 0;
  const resetMs = decision.allowed ? decision.resetMs : decision.retryAfterMs;
  return {
    'ratelimit-limit': String(decision.limit),
    'ratelimit-remaining': String(remaining),
    'ratelimit-reset': String(resetMs === 0 ? 0 : retryAfterSeconds(resetMs)),
  };
}
