import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { readMaintenanceLedger, type LedgerEntry } from '../../src/maintain/maintenance-ledger.js';
import { openStore } from '../../src/store/open-store.js';
import { copyTemplateDataDir } from '../support/data-dir.js';
import { BIN } from '../support/serve-process.js';

// What cron does: `pgcache maintain --quiet` in a bare environment (env -i), no terminal, with
// nothing else owning the store, several at once.
function cronMaintain(dataDir: string) {
  return execa(process.execPath, [BIN, 'maintain', '--quiet', '--data-dir', dataDir], {
    env: {},
    extendEnv: false,
    stdin: 'ignore',
    reject: false,
    timeout: 120_000,
  });
}

async function ledger(dataDir: string): Promise<LedgerEntry[]> {
  const store = await openStore({ dataDir, migrations: 'require' });
  try {
    return await store.execute('read', 'test.ledger', readMaintenanceLedger);
  } finally {
    await store.close();
  }
}

describe('overlapping cron maintain runs', () => {
  it.each([2, 5, 10])(
    '%i at once: every one exits 0 with nothing on stdout or stderr, and the ledger shows them one after another',
    async (n) => {
      const dataDir = copyTemplateDataDir();
      const children = Array.from({ length: n }, () => cronMaintain(dataDir));
      const pids = children.map((c) => c.pid);
      const runs = await Promise.all(children);
      expect(runs.map((r) => [r.exitCode, r.stdout, r.stderr])).toEqual(
        runs.map(() => [0, '', '']),
      );
      const recorded = await ledger(dataDir);
      // Every run ran (each asked by its own process), and none started before the last ended.
      expect(new Set(recorded.map((r) => r.requestedBy)).size).toBe(n);
      expect(recorded.map((r) => r.requestedBy).sort()).toEqual(
        pids.map((pid) => `pid ${pid} (pgcache maintain)`).sort(),
      );
      for (let i = 1; i < recorded.length; i += 1) {
        const before = recorded[i - 1] as LedgerEntry;
        const after = recorded[i] as LedgerEntry;
        expect(Date.parse(before.finishedAt)).toBeLessThanOrEqual(Date.parse(after.startedAt));
      }
    },
    120_000,
  );
});
