import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { PostgresFixture } from './startup.js';
import { seedEntry } from './startup.js';

/**
 * A fresh schema on the PostgreSQL server at `url` holding a migrated pgcache store with
 * `key` → `value`; `drop()` removes it.
 */
export async function openPostgresFixture(
  url: string,
  key: string,
  value: unknown,
): Promise<PostgresFixture & { drop: () => Promise<void> }> {
  const schema = `pgcache_bench_${randomBytes(4).toString('hex')}`;
  await withClient(url, (client) => client.query(`CREATE SCHEMA ${schema}`));
  const schemaUrl = new URL(url);
  schemaUrl.searchParams.set('options', `-c search_path=${schema}`);
  const fixture = { url: schemaUrl.toString(), plainUrl: url, schema };
  const drop = () => withClient(url, (client) => client.query(`DROP SCHEMA ${schema} CASCADE`));
  try {
    await seedEntry({ databaseUrl: fixture.url }, key, value);
  } catch (error) {
    await drop();
    throw error;
  }
  return { ...fixture, drop: async () => void (await drop()) };
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
