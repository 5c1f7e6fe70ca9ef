import { InvalidKeyError } from '../errors/index.js';

/** The kinds of entry the store knows. */
export const ENTRY_KINDS = ['component', 'block', 'generic'] as const;

/** One of {@link ENTRY_KINDS}. */
export type EntryKind = (typeof ENTRY_KINDS)[number];

/** What a key says about its entry. */
export interface ParsedKey {
  readonly key: string;
  readonly kind: EntryKind;
  /** `<namespace>` of `<namespace>:<rest>`; for components and blocks, the kind itself. */
  readonly namespace: string | null;
  /** `<framework>` of `component:<framework>:<name>` and `block:<framework>:<name>`. */
  readonly framework: string | null;
  /** `<name>` of a component or block key, otherwise the part after the namespace. */
  readonly name: string;
}

/** Longest key accepted, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 512;

// Whitespace, control characters and unpaired surrogates make keys that cannot be typed or
// printed safely; everything else is allowed.
const FORBIDDEN = /[\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._@+-]*$/;

/**
 * Validate `key` against the key grammar and say what it names: `component:<framework>:<name>`,
 * `block:<framework>:<name>`, otherwise `<namespace>:<rest>` or a bare key.
 */
export function parseKey(key: string): ParsedKey {
  const fail = (why: string, hint: string): never => {
    throw new InvalidKeyError(
      `invalid key ${JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key)}: ${why}`,
      { hint },
    );
  };
  if (key.length === 0)
    fail('it is empty', 'Give a key such as `component:react:button` or `session:42`.');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES)
    fail(`it is longer than ${MAX_KEY_BYTES} bytes`, 'Use a shorter key (hash long identifiers).');
  if (!key.isWellFormed()) fail('it holds an unpaired surrogate', 'Use valid UTF-8 text.');
  const bad = FORBIDDEN.exec(key);
  if (bad !== null)
    fail(
      `it contains ${JSON.stringify(bad[0])} at position ${bad.index}`,
      'Keys cannot contain spaces or control characters.',
    );
  const parts = key.split(':');
  const [head, framework, ...rest] = parts;
  if (head === 'component' || head === 'block') {
    const name = rest.join(':');
    if (
      framework === undefined ||
      rest.length !== 1 ||
      !SEGMENT.test(framework) ||
      !SEGMENT.test(name)
    ) {
      fail(
        `a ${head} key has the form ${head}:<framework>:<name>`,
        `For example \`${head}:react:button\` (letters, digits, ".", "_", "@", "+", "-").`,
      );
    }
    return { key, kind: head, namespace: head, framework: framework ?? null, name };
  }
  if (parts.length > 1 && head !== undefined && head !== '') {
    const name = parts.slice(1).join(':');
    if (name === '') fail('nothing follows the namespace', 'Write it as `<namespace>:<name>`.');
    return { key, kind: 'generic', namespace: head, framework: null, name };
  }
  if (head === '') fail('it starts with ":"', 'Write it as `<namespace>:<name>` or a bare key.');
  return { key, kind: 'generic', namespace: null, framework: null, name: key };
}
