import { describe, expect, it } from 'vitest';
import { normalise, parseExamples, rewriteExamples } from './readme-examples.js';

const README = [
  'Intro.',
  '',
  '<!-- example: app',
  '$ @template',
  '-->',
  '```console',
  '$ pgcache init',
  'initialised /srv/app/.pgcache: schema version 3',
  '$ pgcache get nope; echo "exit $?"',
  'exit 1',
  '```',
  '',
  '```console',
  '$ unchecked',
  '```',
].join('\n');

describe('README examples: parsing and comparing', () => {
  it('finds marked blocks only, with their setup, commands and outputs', () => {
    expect(parseExamples(README)).toEqual([
      {
        session: 'app',
        loose: false,
        setup: ['@template'],
        previousCode: undefined,
        commands: [
          { command: 'pgcache init', output: 'initialised /srv/app/.pgcache: schema version 3' },
          { command: 'pgcache get nope; echo "exit $?"', output: 'exit 1' },
        ],
        firstLine: 7,
        lastLine: 10,
      },
    ]);
  });

  it('rewrites a block with what the commands printed, leaving the rest alone', () => {
    const [example] = parseExamples(README);
    if (example === undefined) throw new Error('no example');
    const rewritten = rewriteExamples(README, new Map([[example, ['schema version 4', '']]]));
    expect(rewritten.split('\n').slice(5, 10)).toEqual([
      '```console',
      '$ pgcache init',
      'schema version 4',
      '$ pgcache get nope; echo "exit $?"',
      '```',
    ]);
    expect(rewritten.endsWith('$ unchecked\n```')).toBe(true);
  });

  it('masks what differs every run, and nothing else', () => {
    const shown = 'took 103ms at 2026-11-22T16:22:53.973Z, pid 774, 38.3 MiB, Node 20.20.2';
    const run = 'took 1.2s at 2027-01-01T00:00:00.000Z, pid 99, 40.1 MiB, Node 22.1.0';
    expect(normalise(run, false)).toBe(normalise(shown, false));
    expect(normalise('schema version 3 of 3', false)).not.toBe(
      normalise('schema version 2 of 2', false),
    );
    expect(normalise('expires in 7d', false)).not.toBe(normalise('expires in 30m', false));
    expect(normalise('stored 2 entries', true)).toBe(normalise('stored 3 entries', true));
    expect(normalise('stored 2 entries', true)).not.toBe(normalise('stored 2 keys', true));
  });
});
