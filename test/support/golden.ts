import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { TEST_START_MS } from './test-clock.js';

/** Where the golden JSON documents live. */
const DOCUMENTS = join(import.meta.dirname, '../../fixtures/documents');

// Figures that differ from run to run (disk sizes, measured latencies, durations): their shape is
// locked, not their value.
const VOLATILE = new Set([
  'durationMs',
  'onDisk',
  'wal',
  'diskBytesBefore',
  'diskBytesAfter',
  'walBytesBefore',
  'walBytesAfter',
  'waitMs',
  'execMs',
  'latencyMs',
  'idleMs',
  'connectedAt',
  'heldMs',
  'runningMs',
]);

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * A document with what varies between runs replaced: timestamps become their offset from the
 * test clock's start (`<start+3600000ms>`), the data directory `<dataDir>`, and the value of
 * every {@link VOLATILE} field `<volatile>` (its presence stays locked).
 */
export function normalise(value: unknown, dataDir: string, key = ''): unknown {
  if (VOLATILE.has(key) && value !== null) return '<volatile>';
  if (typeof value === 'string') {
    if (ISO.test(value)) return `<start${signed(Date.parse(value) - TEST_START_MS)}ms>`;
    return value.split(dataDir).join('<dataDir>');
  }
  if (Array.isArray(value)) return value.map((v) => normalise(v, dataDir));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v, dataDir, k)]));
  }
  return value;
}

const signed = (n: number): string => (n >= 0 ? `+${n}` : String(n));

/**
 * Compare `document` (normalised) with `fixtures/documents/<name>.json`, keys in order. With
 * PGCACHE_UPDATE_FIXTURES=1 the fixture is written instead (review the diff before committing).
 */
export function expectGolden(name: string, document: unknown, dataDir: string): void {
  const text = `${JSON.stringify(normalise(document, dataDir), null, 2)}\n`;
  const path = join(DOCUMENTS, `${name}.json`);
  if (process.env['PGCACHE_UPDATE_FIXTURES'] === '1') {
    mkdirSync(DOCUMENTS, { recursive: true });
    writeFileSync(path, text);
  }
  if (!existsSync(path)) throw new Error(`no golden ${path}: run with PGCACHE_UPDATE_FIXTURES=1`);
  expect(text).toBe(readFileSync(path, 'utf8'));
}
