import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { openEmbeddedDatabase } from '../../src/db/embedded-database.js';
import { copyTemplateDataDir } from '../support/data-dir.js';

const SCRIPT = join(import.meta.dirname, '../support/bin/poison-instance.mjs');

describe('a real poisoned instance (child process)', () => {
  it('is replaced after deep recursion, or at worst kills its own process; the directory survives', async () => {
    const pgDataDir = join(copyTemplateDataDir(), 'pgdata');
    const child = await execa('node', [SCRIPT, pgDataDir], { reject: false, timeout: 60_000 });
    // The statement after the poisoning can abort Node itself (exit 133): that must stay inside
    // the child. When it survives, the supervisor replaced the instance and reads work again.
    expect([0, 133]).toContain(child.exitCode);
    const events = child.stdout
      .split('\n')
      .filter((line) => line !== '')
      .map(
        (line) =>
          JSON.parse(line) as { event: string; results?: unknown[]; stats?: { restarts: number } },
      );
    expect(events[0]).toEqual({ event: 'acknowledged', key: 1 });
    if (child.exitCode === 0) {
      // The poisoned call answers without ReadyForQuery: it fails as a crash (never as "no
      // rows"), the instance is replaced, and the reads after it see the acknowledged row.
      expect(events.find((e) => e.event === 'poisoned')).toEqual({
        event: 'poisoned',
        error: 'E_INSTANCE_CRASHED',
      });
      const after = events.find((e) => e.event === 'after');
      expect(after?.results).toEqual([1, 1, 1]);
      expect(after?.stats?.restarts).toBe(1);
    }
    const db = await openEmbeddedDatabase({ pgDataDir });
    try {
      expect((await db.query('SELECT count(*)::int AS n FROM poison_t')).rows).toEqual([{ n: 1 }]);
    } finally {
      await db.close();
    }
  }, 90_000);
});
