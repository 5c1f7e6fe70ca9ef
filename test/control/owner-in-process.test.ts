import { describe, expect, it, vi } from 'vitest';
import { storeOwnerOf } from '../../src/control/store-owner.js';
import type { Database } from '../../src/db/database.js';
import { readMaintenanceLedger } from '../../src/maintain/maintenance-ledger.js';
import { openStore } from '../../src/store/open-store.js';
import { runCli } from '../support/cli.js';
import { copyTemplateDataDir } from '../support/data-dir.js';

/** Wraps a database so that VACUUM waits until `release()`: a maintenance run held in progress. */
function holdVacuum(): {
  wrap: (db: Database) => Database;
  reached: Promise<void>;
  release: () => void;
} {
  let release: () => void = () => undefined;
  let reachedVacuum: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const reached = new Promise<void>((resolve) => (reachedVacuum = resolve));
  const wrap = (db: Database): Database =>
    new Proxy(db, {
      get(target, property) {
        if (property === 'exec') {
          return async (sql: string) => {
            if (sql.startsWith('VACUUM')) {
              reachedVacuum();
              await gate;
            }
            return target.exec(sql);
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function'
          ? (value as (...a: unknown[]) => unknown).bind(target)
          : value;
      },
    });
  return { wrap, reached, release };
}

// The owner is a store opened in this process; the commands (run in-process too) find its lock
// and go through its control socket, as they would from another process.
describe('commands through an owner', () => {
  it('maintain --if-idle exits 0 at once while a run is in progress (quiet under --quiet); a plain maintain waits for it, then runs', async () => {
    const dataDir = copyTemplateDataDir();
    const vacuum = holdVacuum();
    const owner = await openStore({ dataDir, wrapDatabase: vacuum.wrap, applicationName: 'app' });
    const cli = (...argv: string[]) => runCli([...argv, '--data-dir', dataDir]);
    try {
      const first = owner.maintain({ requestedBy: 'the app' });
      await vacuum.reached;
      const idle = await cli('maintain', '--if-idle', '--json');
      expect(idle).toMatchObject({ exitCode: 0, stderr: '' });
      expect(idle.json()).toEqual({
        schemaVersion: 1,
        skipped: true,
        reason: expect.stringMatching(
          /^another maintenance run is in progress \(started \S+, requested by the app\); this one did not start: it was asked to run only if idle \(reported by pid \d+\)$/,
        ),
      });
      expect(await cli('maintain', '--if-idle', '--quiet')).toMatchObject({
        exitCode: 0,
        stdout: '',
        stderr: '',
      });
      const second = cli('maintain', '--json');
      // The second waits in the owner's queue (a request in flight on its control socket) …
      await vi.waitFor(() =>
        expect(storeOwnerOf(owner).control()?.clients).toEqual([
          expect.objectContaining({ name: 'pgcache maintain', operation: 'maintain' }),
        ]),
      );
      // … and runs once the first has finished.
      vacuum.release();
      const firstReport = await first;
      const secondRun = await second;
      expect(secondRun).toMatchObject({ exitCode: 0, stderr: '' });
      expect(Date.parse(secondRun.json<{ startedAt: string }>().startedAt)).toBeGreaterThanOrEqual(
        Date.parse(firstReport.startedAt) + firstReport.durationMs,
      );
      const ledger = await owner.execute('read', 'test.ledger', readMaintenanceLedger);
      expect(ledger.map((r) => r.requestedBy)).toEqual([
        'the app',
        expect.stringMatching(/^pid \d+ \(pgcache maintain\)$/),
      ]);
    } finally {
      vacuum.release();
      await owner.close();
    }
  });

  it('a command racing the owner closing waits its turn: answered by the owner, or by opening the store once the lock is free', async () => {
    const dataDir = copyTemplateDataDir();
    const owner = await openStore({ dataDir });
    const set = runCli(['set', 'app:raced', '"yes"', '--data-dir', dataDir]);
    const closing = owner.close();
    expect(await set).toMatchObject({ exitCode: 0, stderr: '' });
    await closing;
    expect((await runCli(['get', 'app:raced', '--data-dir', dataDir])).stdout).toBe('"yes"\n');
  });
});
