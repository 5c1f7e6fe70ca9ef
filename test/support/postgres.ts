import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The PostgreSQL server the wire tests run against: `PGCACHE_TEST_DATABASE_URL` (set by
 * .ci/start-postgres.sh). Locally, without it, those tests are skipped with a message; in CI
 * (`PGCACHE_REQUIRE_POSTGRES=1`) a missing or unreachable server fails the run.
 */
export const TEST_DATABASE_URL = process.env['PGCACHE_TEST_DATABASE_URL'];

/** True when PostgreSQL tests must run (and fail if the server cannot be reached). */
export const POSTGRES_REQUIRED = process.env['PGCACHE_REQUIRE_POSTGRES'] === '1';

if (TEST_DATABASE_URL === undefined && POSTGRES_REQUIRED) {
  throw new Error(
    'PGCACHE_REQUIRE_POSTGRES=1 but PGCACHE_TEST_DATABASE_URL is not set: run .ci/start-postgres.sh',
  );
}

/** Why PostgreSQL tests are skipped, or undefined when they run. */
export const POSTGRES_SKIP_REASON =
  TEST_DATABASE_URL === undefined
    ? 'PostgreSQL tests skipped: set PGCACHE_TEST_DATABASE_URL (source .ci/start-postgres.sh) to run them'
    : undefined;

/** A fresh schema on the test server and a URL whose sessions use it; drop it when done. */
export async function createTestSchema(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (TEST_DATABASE_URL === undefined) throw new Error(POSTGRES_SKIP_REASON);
  const schema = `pgcache_t_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    },
  };
}
