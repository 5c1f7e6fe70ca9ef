import { InvalidJsonError, ValueTooLargeError } from '../errors/index.js';
import { formatBytes } from '../config/units.js';
import { parseKey, type ParsedKey } from './keys.js';

/** A value ready to be written: its compact JSON, its size and what the store indexes. */
export interface EncodedEntry {
  readonly parsed: ParsedKey;
  readonly json: string;
  readonly sizeBytes: number;
  readonly framework: string | null;
  readonly category: string | null;
}

/**
 * Validate a key and a value and compute what the store records. The size is the UTF-8 length of
 * the value's compact JSON, computed here and never taken from the input.
 */
export function encodeEntry(key: string, value: unknown, maxEntryBytes: number): EncodedEntry {
  const parsed = parseKey(key);
  const json = toJson(key, value);
  const sizeBytes = Buffer.byteLength(json, 'utf8');
  if (sizeBytes > maxEntryBytes) {
    throw new ValueTooLargeError(
      `the value for ${key} is ${formatBytes(sizeBytes)} (${sizeBytes} bytes), over the ${formatBytes(maxEntryBytes)} limit`,
      {
        hint: 'Store a smaller value, or raise maxEntryBytes (PGCACHE_MAX_ENTRY_BYTES) if this size is expected.',
      },
    );
  }
  const fields =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  const text = (v: unknown): string | null =>
    typeof v === 'string' && v !== '' ? v.slice(0, 200) : null;
  return {
    parsed,
    json,
    sizeBytes,
    framework: parsed.framework ?? text(fields['framework']),
    category: text(fields['category']),
  };
}

/** Encode every item of a batch; an invalid one throws, its message naming its position. */
export function encodeBatch(
  items: readonly { key: string; value: unknown; ttlMs?: number | undefined }[],
  maxEntryBytes: number,
): { entry: EncodedEntry; ttlMs: number | undefined }[] {
  return items.map((item, index) => {
    try {
      return { entry: encodeEntry(item.key, item.value, maxEntryBytes), ttlMs: item.ttlMs };
    } catch (error) {
      if (error instanceof Error) error.message = `item ${index + 1}: ${error.message}`;
      throw error;
    }
  });
}

// A \u escape (an odd number of backslashes before the u) of NUL or of a lone surrogate.
const UNSTORABLE_ESCAPE = /(?<!\\)(?:\\\\)*\\u(0000|d[89a-f][0-9a-f]{2})/;

function toJson(key: string, value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new InvalidJsonError(
      `the value for ${key} cannot be written as JSON: ${(error as Error).message}`,
      {
        hint: 'Pass plain JSON data: objects, arrays, strings, numbers, booleans and null.',
      },
    );
  }
  if (json === undefined) {
    throw new InvalidJsonError(`the value for ${key} is not JSON data (${typeof value})`, {
      hint: 'Pass plain JSON data: objects, arrays, strings, numbers, booleans and null.',
    });
  }
  // Postgres jsonb cannot hold the NUL character or half a surrogate pair, which JSON.stringify
  // writes as \u escapes: refuse them here instead of failing in SQL.
  const escaped = json.includes('\\u') ? UNSTORABLE_ESCAPE.exec(json)?.[1] : undefined;
  if (escaped !== undefined) {
    const what =
      escaped === '0000' ? 'a NUL character (\\u0000)' : `half a surrogate pair (\\u${escaped})`;
    throw new InvalidJsonError(
      `the value for ${key} contains ${what}, which the store cannot hold`,
      {
        hint: 'Remove or encode such characters before storing the value; nothing was stored.',
      },
    );
  }
  return json;
}
