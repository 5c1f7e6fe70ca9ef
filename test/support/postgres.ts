import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/**
 * The PostgreSQL server the wire tests run against: `PGCACHE_TEST_DATABASE_URL` when set, else
 * the private cluster the global setup started (test/support/postgres-cluster.ts).
 */
export const TEST_DATABASE_URL = inject('postgresUrl') ?? undefined;

/** Why PostgreSQL tests are skipped (no PostgreSQL installed), or undefined when they run. */
export const POSTGRES_SKIP_REASON = inject('postgresSkipReason') ?? undefined;

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
