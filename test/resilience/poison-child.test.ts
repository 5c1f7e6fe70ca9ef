import { join } from 'node:path';
import { execa, type Result } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedDatabase } from '../../src/db/embedded-database.js';
import { copyTemplateDataDir } from '../support/data-dir.js';

const SCRIPT = join(import.meta.dirname, '../support/bin/poison-instance.mjs');

/** Node aborted itself (V8 trap: 128 + SIGTRAP). */
const NODE_ABORTED = 133;

interface PoisonEvent {
  event: string;
  key?: number;
  error?: string;
  sqlState?: string;
  results?: unknown[];
  stats?: { restarts: number };
}

describe('a real poisoned instance (child process)', () => {
  let pgDataDir: string;
  let child: Result<{ reject: false; timeout: number }>;
  let events: PoisonEvent[];

  beforeAll(async () => {
    pgDataDir = join(copyTemplateDataDir(), 'pgdata');
    child = await execa('node', [SCRIPT, pgDataDir], { reject: false, timeout: 60_000 });
    events = child.stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as PoisonEvent);
  }, 90_000);

  it('at worst kills its own process (exit 133), never anything else; the acknowledged row survives on disk', async () => {
    // The statement after the poisoning can abort Node itself (exit 133): that must stay inside
    // the child, and the directory must open again with every acknowledged write in it.
    expect([0, NODE_ABORTED]).toContain(child.exitCode);
    expect(child.timedOut).toBe(false);
    expect(events[0]).toEqual({ event: 'acknowledged', key: 1 });
    const db = await openEmbeddedDatabase({ pgDataDir });
    try {
      expect((await db.query('SELECT count(*)::int AS n FROM poison_t')).rows).toEqual([{ n: 1 }]);
    } finally {
      await db.close();
    }
  }, 60_000);

  it('when the process survives: the poisoned call fails as a crash, the instance is replaced, reads work again', (ctx) => {
    // Node aborting is a legitimate outcome (covered above), but then nothing here was exercised:
    // report it as skipped with the reason instead of passing silently.
    ctx.skip(
      child.exitCode === NODE_ABORTED,
      `the child aborted Node (exit ${NODE_ABORTED}) after the poisoning; the supervisor's replacement was not exercised this run (stderr: ${child.stderr.slice(-200)})`,
    );
    expect(child.exitCode).toBe(0);
    // The poisoned call fails: as a crash (it answers without ReadyForQuery; never as "no rows"),
    // and the instance is replaced; or, since PGlite runs in a thread with a larger stack, at
    // Postgres's own stack limit (54001), a plain error that leaves the instance sound. Either
    // way the reads after it see the acknowledged row.
    const poisoned = events.find((e) => e.event === 'poisoned');
    expect([
      { event: 'poisoned', error: 'E_INSTANCE_CRASHED' },
      { event: 'poisoned', error: 'E_DATABASE', sqlState: '54001' },
    ]).toContainEqual(poisoned);
    const after = events.find((e) => e.event === 'after');
    expect(after?.results).toEqual([1, 1, 1]);
    expect(after?.stats?.restarts).toBe(poisoned?.error === 'E_INSTANCE_CRASHED' ? 1 : 0);
  });
});
