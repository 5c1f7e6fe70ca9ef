import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, parseBytes, parseDuration } from '../../src/config/units.js';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['5s', 5000],
    ['2m', 120_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
    ['1.5s', 1500],
    [' 30S ', 30_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('refuses a bare number and says which units exist', () => {
    expect(() => parseDuration('30')).toThrow(/has no unit; write it as 30ms, 30s/);
  });

  it.each(['', 'soon', '5 minutes', '-5s', '5x'])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(RangeError);
  });
});

describe('parseBytes', () => {
  it.each([
    ['512', 512],
    ['64KB', 64_000],
    ['100MB', 100_000_000],
    ['1MiB', 1_048_576],
    ['2gib', 2 * 1024 ** 3],
  ])('%s is %d bytes', (text, bytes) => {
    expect(parseBytes(text)).toBe(bytes);
  });

  it('refuses unknown units', () => {
    expect(() => parseBytes('5 parsecs')).toThrow(/not a size/);
  });
});

describe('formatting', () => {
  it('formats durations the way a person writes them', () => {
    expect([250, 5000, 1500, 90_000, 86_400_000, 90_061_000].map(formatDuration)).toEqual([
      '250ms',
      '5s',
      '1.5s',
      '1m30s',
      '1d',
      '1d1h',
    ]);
  });

  it('formats bytes with binary units', () => {
    expect([512, 1536, 104_857_600].map(formatBytes)).toEqual(['512 B', '1.5 KiB', '100.0 MiB']);
  });
});
