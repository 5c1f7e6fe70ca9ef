import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { TEST_DATABASE_URL } from '../support/postgres.js';
import { ExampleSession } from './example-session.js';
import { type Example, normalise, parseExamples, rewriteExamples } from './readme-examples.js';

// `npm run readme:update` (PGCACHE_README_UPDATE=1) writes what the commands printed into the
// README instead of comparing: review the diff, then commit it.
const UPDATE = process.env['PGCACHE_README_UPDATE'] === '1';
const README = resolve(import.meta.dirname, '../../README.md');
const examples = parseExamples(readFileSync(README, 'utf8'));
const sessions = [...new Set(examples.map((e) => e.session))];
const printed = new Map<Example, string[]>();

/**
 * The README shows PostgreSQL at postgres://pgcache:pw@127.0.0.1:5432/pgcache_test; a run uses
 * the test server (same user and database, another password and port).
 */
function postgresReplacements(): [string, string][] {
  if (TEST_DATABASE_URL === undefined) return [];
  const url = new URL(TEST_DATABASE_URL);
  return [
    ['pgcache:pw@', `${url.username}:${url.password}@`],
    ['127.0.0.1:5432', url.host],
  ];
}

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

  it.each(sessions)(
    'session %s prints what the README shows',
    async (name) => {
      const session = await ExampleSession.open(name, {
        runDir: inject('runDir'),
        templateDataDir: inject('templateDataDir'),
        replacements: postgresReplacements(),
      });
      try {
        for (const example of examples.filter((e) => e.session === name)) {
          for (const line of example.setup) {
            if (line.startsWith('@file ')) {
              writeFileSync(join(session.cwd, line.slice(6)), example.previousCode ?? '');
            } else await session.run(line);
          }
          const outputs: string[] = [];
          for (const { command } of example.commands) outputs.push(await session.run(command));
          printed.set(example, outputs);
          if (UPDATE) continue;
          const where = `README lines ${example.firstLine}-${example.lastLine}`;
          const shown = example.commands.map((c) => `$ ${c.command}\n${c.output}`);
          const actual = example.commands.map((c, n) => `$ ${c.command}\n${outputs[n] ?? ''}`);
          expect
            .soft(
              actual.map((t) => normalise(t, example.loose)),
              where,
            )
            .toEqual(shown.map((t) => normalise(t, example.loose)));
        }
      } finally {
        await session.close();
      }
    },
    300_000,
  );

  afterAll(() => {
    if (UPDATE) writeFileSync(README, rewriteExamples(readFileSync(README, 'utf8'), printed));
  });
});
