// Characters a pgcache key cannot hold (and `%`, the escape itself), percent-encoded.
const ESCAPE = /[%\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/**
 * The head of the store keys of entries Keyv wrote without a namespace: `%keyv:<key>`. Encoding
 * never produces `%k`, so no namespace, and nothing else Keyv writes, can take this head.
 */
const NO_NAMESPACE_PREFIX = '%keyv:';

// The empty text: a lone `%` is never the encoding of anything else.
const EMPTY = '%';

/**
 * The start of every store key that Keyv's `namespace` writes (the prefix `clear()` deletes and
 * the iterator reads): `<namespace>:`, or {@link NO_NAMESPACE_PREFIX} without one. A prefix that
 * would start as pgcache's own component and block keys do (`component:`, `block:`: namespaces
 * `component` or `component:react`) has that first colon encoded, so that a Keyv entry never
 * takes their kinds.
 */
export function keyvPrefix(namespace: string | undefined): string {
  if (namespace === undefined || namespace === '') return NO_NAMESPACE_PREFIX;
  const prefix = `${encodePart(namespace)}:`;
  return /^(component|block):/.test(prefix) ? prefix.replace(':', '%3A') : prefix;
}

/**
 * Map a Keyv key (Keyv passes `namespace:key`, any text, `''` included) to a valid pgcache key,
 * reversibly: the namespace becomes the pgcache namespace, characters a pgcache key cannot hold
 * are percent-encoded, and an empty key is stored as `%`.
 */
export function toStoreKey(keyvKey: string, namespace: string | undefined): string {
  const named = namespace !== undefined && namespace !== '';
  const rest =
    named && keyvKey.startsWith(`${namespace}:`) ? keyvKey.slice(namespace.length + 1) : keyvKey;
  return `${keyvPrefix(namespace)}${encodePart(rest)}`;
}

/** The Keyv key a {@link toStoreKey} result for `namespace` came from. */
export function fromStoreKey(storeKey: string, namespace: string | undefined): string {
  const prefix = keyvPrefix(namespace);
  const rest = decodePart(storeKey.startsWith(prefix) ? storeKey.slice(prefix.length) : storeKey);
  return namespace === undefined || namespace === '' ? rest : `${namespace}:${rest}`;
}

function encodePart(text: string): string {
  return text === '' ? EMPTY : text.replace(ESCAPE, (c) => encodeURIComponent(c));
}

function decodePart(text: string): string {
  if (text === EMPTY) return '';
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // written by something other than this adapter
  }
}
