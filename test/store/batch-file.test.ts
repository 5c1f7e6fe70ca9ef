import { describe, expect, it } from 'vitest';
import { parseBatch } from '../../src/store/batch-file.js';

describe('parseBatch', () => {
  it('reads one entry per line, with optional TTLs, skipping blank lines', () => {
    const text = [
      '{"key":"a:1","value":{"x":1}}',
      '',
      '{"key":"a:2","value":"s","ttl":"30s"}',
      '{"key":"a:3","value":null,"ttlMs":500}',
      '{"key":"a:4","value":[],"ttl":"never"}',
      '{"key":"a:5","value":0,"ttl":"none"}',
    ].join('\n');
    expect(parseBatch(text, 'f.ndjson')).toEqual([
      { key: 'a:1', value: { x: 1 }, ttlMs: undefined },
      { key: 'a:2', value: 's', ttlMs: 30_000 },
      { key: 'a:3', value: null, ttlMs: 500 },
      { key: 'a:4', value: [], ttlMs: 0 },
      { key: 'a:5', value: 0, ttlMs: 0 },
    ]);
  });

  it.each([
    ['{"key":"a","value":1}\n{"key":"b", value: 2}', 'line 2: not valid JSON'],
    ['{"key":"a","value":1}\n\n[1]', 'line 3: not a JSON object'],
    ['{"key":"a"}', 'line 1: "value" is missing'],
    ['{"key":5,"value":1}', 'line 1: "key" must be a string'],
    ['{"key":"a b","value":1}', 'line 1: invalid key'],
    ['{"key":"a","value":1,"tll":"5s"}', 'line 1: unknown field "tll"'],
    ['{"key":"a","value":1,"ttl":30}', 'line 1: "ttl" must be a duration with a unit'],
    ['{"key":"a","value":1,"ttl":"30"}', 'line 1: "ttl": "30" has no unit'],
  ])('names the bad line of %j (exit 65)', (text, message) => {
    expect(() => parseBatch(text, 'f.ndjson')).toThrow(
      expect.objectContaining({
        code: 'E_BATCH_FORMAT',
        exitCode: 65,
        message: expect.stringContaining(`f.ndjson ${message}`),
      }),
    );
  });
});
