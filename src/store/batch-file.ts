import { parseTtl } from '../config/units.js';
import { BatchFormatError, isPgcacheError } from '../errors/index.js';
import type { EntryInput } from './entry.js';
import { describeSyntaxError } from './json-input.js';
import { parseKey } from './keys.js';

const FIELDS = new Set(['key', 'value', 'ttl', 'ttlMs']);

/**
 * Parse an NDJSON batch: one `{"key", "value", "ttl"?}` object per line (`ttl` as `"30s"`, or
 * `ttlMs` as a number; `"never"` or 0 for no expiry). Blank lines are skipped. The first bad line
 * throws {@link BatchFormatError} naming its number; nothing is written then.
 */
export function parseBatch(text: string, source: string): EntryInput[] {
  const items: EntryInput[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const fail = (why: string): never => {
      throw new BatchFormatError(`${source} line ${index + 1}: ${why}`, {
        hint: 'Each line must be {"key": "...", "value": <JSON>, "ttl": "30s"} (ttl optional); nothing was stored.',
      });
    };
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      return fail(`not valid JSON: ${describeSyntaxError(line) ?? (error as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return fail('not a JSON object');
    const record = parsed as Record<string, unknown>;
    const unknown = Object.keys(record).find((k) => !FIELDS.has(k));
    if (unknown !== undefined) return fail(`unknown field "${unknown}"`);
    if (typeof record['key'] !== 'string') return fail('"key" must be a string');
    if (!('value' in record)) return fail('"value" is missing');
    try {
      parseKey(record['key']);
    } catch (error) {
      return fail(isPgcacheError(error) ? error.message : String(error));
    }
    items.push({ key: record['key'], value: record['value'], ttlMs: readTtl(record, fail) });
  });
  return items;
}

function readTtl(
  record: Record<string, unknown>,
  fail: (why: string) => never,
): number | undefined {
  const { ttl, ttlMs } = record;
  if (ttl !== undefined && ttlMs !== undefined) return fail('give "ttl" or "ttlMs", not both');
  if (ttlMs !== undefined) {
    if (typeof ttlMs !== 'number' || !Number.isInteger(ttlMs) || ttlMs < 0)
      return fail('"ttlMs" must be a whole number of milliseconds');
    return ttlMs;
  }
  if (ttl === undefined) return undefined;
  if (ttl === 0) return 0;
  if (typeof ttl !== 'string')
    return fail('"ttl" must be a duration with a unit, such as "30s" or "7d"');
  try {
    return parseTtl(ttl);
  } catch (error) {
    return fail(`"ttl": ${(error as Error).message}`);
  }
}
