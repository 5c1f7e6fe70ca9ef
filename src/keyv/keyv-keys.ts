import { parseKey } from '../store/keys.js';

// Characters a pgcache key cannot hold (and `%`, the escape itself), percent-encoded.
const ESCAPE = /[%\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/**
 * Map a Keyv key (`namespace:key`, any text) to a valid pgcache key, reversibly: characters a
 * pgcache key cannot hold are percent-encoded, and a head of `component`/`block` that does not
 * follow those kinds' grammar has its colon encoded so that it stays a plain key.
 */
export function toStoreKey(keyvKey: string): string {
  let key = keyvKey.replace(ESCAPE, (c) => encodeURIComponent(c));
  if (/^(component|block):/.test(key)) {
    try {
      parseKey(key);
    } catch {
      key = key.replace(':', '%3A');
    }
  }
  return key;
}

/** The Keyv key a {@link toStoreKey} result came from. */
export function fromStoreKey(storeKey: string): string {
  try {
    return decodeURIComponent(storeKey);
  } catch {
    return storeKey; // written by something other than this adapter
  }
}
