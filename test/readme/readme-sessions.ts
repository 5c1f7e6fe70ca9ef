import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { TEST_DATABASE_URL } from '../support/postgres.js';
import { ExampleSession } from './example-session.js';
import { normalise, parseExamples, rewriteExamples } from './readme-examples.js';

// `npm run readme:update` (PGCACHE_README_UPDATE=1) writes what the commands printed into the
// README instead of comparing: review the diff, then commit it. It runs the files one at a
// time, and each rewrites only its own sessions' blocks.
const UPDATE = process.env['PGCACHE_README_UPDATE'] === '1';
export const README = resolve(import.meta.dirname, '../../README.md');

/**
 * The README's sessions, in groups of about the same running time, one test file per group so
 * that the groups run beside the rest of the suite. readme.test.ts checks that every session
 * is in a group.
 */
export const SESSION_GROUPS = {
  app: ['app', 'namespaces'],
  stress: ['stress'],
  origin: ['origin', 'keyv'],
  serve: ['shop2', 'tiers', 'outbox', 'token'],
  shop: ['shop', 'owner', 'breaker', 'pg'],
} as const satisfies Record<string, readonly string[]>;

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

/** Run each session's examples in order and compare what they print with the README. */
export function checkSessions(sessions: readonly string[]): void {
  const examples = parseExamples(readFileSync(README, 'utf8'));
  const printed = new Map<string, string[][]>();

  describe('README examples', () => {
    it.each(sessions)(
      'session %s prints what the README shows',
      async (name) => {
        const session = await ExampleSession.open(name, {
          runDir: inject('runDir'),
          templateDataDir: inject('templateDataDir'),
          replacements: postgresReplacements(),
        });
        const outputsOfSession: string[][] = [];
        printed.set(name, outputsOfSession);
        try {
          for (const example of examples.filter((e) => e.session === name)) {
            for (const line of example.setup) {
              if (line.startsWith('@file ')) {
                writeFileSync(join(session.cwd, line.slice(6)), example.previousCode ?? '');
              } else await session.run(line);
            }
            const outputs: string[] = [];
            for (const { command } of example.commands) outputs.push(await session.run(command));
            outputsOfSession.push(outputs);
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
      if (!UPDATE) return;
      let readme = readFileSync(README, 'utf8');
      for (const [name, outputs] of printed) readme = rewriteExamples(readme, name, outputs);
      writeFileSync(README, readme);
    });
  });
}
