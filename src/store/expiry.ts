import { UsageError } from '../errors/index.js';

/** The longest TTL: 100 years (36500d); a later expiry is past what a timestamp holds well. */
export const MAX_TTL_MS = 36_500 * 24 * 60 * 60 * 1000;

/**
 * When an entry written at `now` with `ttlMs` expires: `null` for 0 (never). A TTL below 0, not
 * finite or over {@link MAX_TTL_MS} is refused before anything is written.
 */
export function expiryAt(ttlMs: number, now: Date): Date | null {
  if (!Number.isFinite(ttlMs) || ttlMs < 0 || ttlMs > MAX_TTL_MS) {
    throw new UsageError(`a TTL must be from 0 (never expires) to 36500d, got ${ttlMs} ms`, {
      hint: 'For example --ttl 30s or --ttl 7d; 0 or "never" keeps the entry until deleted.',
    });
  }
  return ttlMs === 0 ? null : new Date(now.getTime() + ttlMs);
}
