import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { systemClock } from '../src/clock.js';
import { openEmbeddedDatabase } from '../src/db/embedded-database.js';
import { MIGRATIONS, migrateUp } from '../src/migrations/index.js';

/** A migrated data directory for benchmarks (initdb once; copies are cheap). */
export async function benchDataDir(): Promise<{
  template: string;
  copy: () => string;
  cleanup: () => void;
}> {
  const root = mkdtempSync(join(tmpdir(), 'pgcache-bench-'));
  const template = join(root, 'template');
  const db = await openEmbeddedDatabase({ pgDataDir: join(template, 'pgdata') });
  await migrateUp(db, { migrations: MIGRATIONS, clock: systemClock });
  await db.close();
  let n = 0;
  return {
    template,
    copy: () => {
      const dir = join(root, `copy-${(n += 1)}`);
      cpSync(template, dir, { recursive: true });
      return dir;
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/**
 * PGlite itself, in this thread, on `pgDataDir` (a copy no store has open), with the start
 * parameters the store's database thread uses: the floor the store is measured against.
 */
export function openRawPGlite(pgDataDir: string): Promise<PGlite> {
  return PGlite.create({
    dataDir: pgDataDir,
    startParams: [
      ...PGlite.defaultStartParams,
      '-c',
      'max_wal_size=64MB',
      '-c',
      'min_wal_size=32MB',
    ],
  });
}

/** Median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? 0)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
