import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * True when `given` equals serve's token, compared in constant time (of equal-length digests, so
 * neither the content nor the length leaks); false when serve has no token.
 */
export function sameSecret(given: string, expected: string | undefined): boolean {
  return expected !== undefined && timingSafeEqual(digest(given), digest(expected));
}
