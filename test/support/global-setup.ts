import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ManualClock } from '../../src/clock.js';
import { openEmbeddedDatabase } from '../../src/db/embedded-database.js';
import { MIGRATIONS, migrateUp } from '../../src/migrations/index.js';
import {
  type PostgresCluster,
  findPostgresBinDir,
  startPostgresCluster,
} from './postgres-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated data directory to copy; never opened by tests themselves. */
    templateDataDir: string;
    /** When this run started and the template was created (ms, whole seconds); test clocks start here. */
    testStartMs: number;
    /** Scratch space for this run; removed at the end. */
    runDir: string;
    /** The PostgreSQL server the wire tests use, or null when they are skipped. */
    postgresUrl: string | null;
    /** Why the PostgreSQL tests are skipped, or null when they run. */
    postgresSkipReason: string | null;
  }
}

// Creating a PGlite data directory runs initdb (3-15 s here), so it happens once per run: every
// test copies this migrated template instead (about 0.3 s to open). Its migrations are recorded
// at the run's start, the instant every test clock starts at (test/support/test-clock.ts).
async function createTemplate(templateDataDir: string, createdMs: number): Promise<void> {
  const db = await openEmbeddedDatabase({ pgDataDir: join(templateDataDir, 'pgdata') });
  try {
    await migrateUp(db, { migrations: MIGRATIONS, clock: new ManualClock(createdMs) });
  } finally {
    await db.close();
  }
}

const INSTALL_HINT =
  'PostgreSQL tests skipped: no PostgreSQL server binaries (initdb, pg_ctl) on PATH or under /usr/lib/postgresql/*/bin; install them (Debian: apt-get install postgresql) or set PGCACHE_TEST_DATABASE_URL';

/**
 * The server for the PostgreSQL tests: PGCACHE_TEST_DATABASE_URL when set, else a private
 * throwaway cluster started from the installed binaries. With PGCACHE_REQUIRE_POSTGRES=1 (CI) a
 * machine without either fails the run instead of skipping.
 */
async function providePostgres(): Promise<{
  url: string | null;
  reason: string | null;
  cluster?: PostgresCluster;
}> {
  const given = process.env['PGCACHE_TEST_DATABASE_URL'];
  if (given !== undefined && given !== '') return { url: given, reason: null };
  const binDir = findPostgresBinDir();
  if (binDir === undefined) {
    if (process.env['PGCACHE_REQUIRE_POSTGRES'] === '1')
      throw new Error(`PGCACHE_REQUIRE_POSTGRES=1: ${INSTALL_HINT}`);
    console.warn(INSTALL_HINT);
    return { url: null, reason: INSTALL_HINT };
  }
  const cluster = await startPostgresCluster(binDir);
  return { url: cluster.url, reason: null, cluster };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runDir = mkdtempSync(join(tmpdir(), 'pgcache-test-'));
  const templateDataDir = join(runDir, 'template');
  const testStartMs = Math.floor(Date.now() / 1000) * 1000;
  const [postgres] = await Promise.all([
    providePostgres(),
    createTemplate(templateDataDir, testStartMs),
  ]);
  project.provide('testStartMs', testStartMs);
  project.provide('templateDataDir', templateDataDir);
  project.provide('runDir', runDir);
  project.provide('postgresUrl', postgres.url);
  project.provide('postgresSkipReason', postgres.reason);
  return async () => {
    try {
      await postgres.cluster?.stop();
    } finally {
      rmSync(runDir, { recursive: true, force: true });
    }
  };
}
