import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseExamples } from './readme-examples.js';
import { README, SESSION_GROUPS } from './readme-sessions.js';

const examples = parseExamples(readFileSync(README, 'utf8'));

describe('README examples', () => {
  it('has a checked example for every command', () => {
    const commands = [
      'init',
      'migrate',
      'get',
      'set',
      'del',
      'list',
      'stats',
      'maintain',
      'stress',
      'doctor',
      'serve',
    ];
    const run = new Set(
      examples.flatMap((e) => e.commands.map((c) => /\bpgcache (\w+)/.exec(c.command)?.[1])),
    );
    expect(commands.filter((c) => !run.has(c))).toEqual([]);
  });

  it('runs every session in one of the readme-*.test.ts files', () => {
    const grouped: string[] = Object.values(SESSION_GROUPS).flat();
    const sessions = [...new Set(examples.map((e) => e.session))];
    expect(sessions.filter((s) => !grouped.includes(s))).toEqual([]);
    expect(grouped.filter((s) => !sessions.includes(s))).toEqual([]);
  });
});
