import { join } from 'node:path';
import { execa, type Result } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedDatabase } from '../../src/db/embedded-database.js';
import { copyTemplateDataDir } from '../support/data-dir.js';

const SCRIPT = join(import.meta.dirname, '../support/bin/poison-instance.mjs');

interface PoisonEvent {
  event: string;
  key?: number;
  error?: string;
  sqlState?: string;
  results?: unknown[];
  stats?: { restarts: number };
}

describe.each(['in-process', 'thread'])(
  'a real poisoned instance, PGlite %s (child process)',
  (where) => {
    let pgDataDir: string;
    let child: Result<{ reject: false; timeout: number }>;
    let events: PoisonEvent[];

    beforeAll(async () => {
      pgDataDir = join(copyTemplateDataDir(), 'pgdata');
      child = await execa('node', [SCRIPT, pgDataDir, where], { reject: false, timeout: 60_000 });
      events = child.stdout
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as PoisonEvent);
    }, 90_000);

    it('the process survives (the poisoned instance is never touched again, not even to close it); the acknowledged row survives on disk', async () => {
      expect(child.stderr).toBe('');
      expect(child.exitCode).toBe(0);
      expect(events[0]).toEqual({ event: 'acknowledged', key: 1 });
      const db = await openEmbeddedDatabase({ pgDataDir });
      try {
        expect((await db.query('SELECT count(*)::int AS n FROM poison_t')).rows).toEqual([
          { n: 1 },
        ]);
      } finally {
        await db.close();
      }
    }, 60_000);

    it('the poisoned call fails as a crash, the instance is replaced, reads work again', () => {
      // It fails as a crash (it answers without ReadyForQuery; never as "no rows") and the
      // instance is replaced; or at Postgres's own stack limit (54001), a plain error that leaves
      // the instance sound. Either way the reads after it see the acknowledged row.
      const poisoned = events.find((e) => e.event === 'poisoned');
      expect([
        { event: 'poisoned', error: 'E_INSTANCE_CRASHED' },
        { event: 'poisoned', error: 'E_DATABASE', sqlState: '54001' },
      ]).toContainEqual(poisoned);
      const after = events.find((e) => e.event === 'after');
      expect(after?.results).toEqual([1, 1, 1]);
      expect(after?.stats?.restarts).toBe(poisoned?.error === 'E_INSTANCE_CRASHED' ? 1 : 0);
    });
  },
);
