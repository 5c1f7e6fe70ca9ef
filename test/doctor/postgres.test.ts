import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { runTestDoctor } from '../support/doctor.js';
import { POSTGRES_SKIP_REASON, createTestSchema } from '../support/postgres.js';

describe.skipIf(POSTGRES_SKIP_REASON !== undefined)('doctor against a PostgreSQL server', () => {
  let schema: { url: string; drop: () => Promise<void> };
  beforeAll(async () => {
    schema = await createTestSchema();
    const store = await openStore({ databaseUrl: schema.url, migrations: 'apply' });
    await store.set('app:a', { on: 'server' });
    await store.close();
  });
  afterAll(() => schema?.drop());

  it('a healthy server store passes every check; the data directory and the lock are not used', async () => {
    const run = await runTestDoctor(undefined, { settings: { databaseUrl: schema.url } });
    expect(run.report.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(run.check('lock').detail).toMatch(
      /^not used: PostgreSQL arbitrates between processes \(postgres:\/\/pgcache:\*\*\*@/,
    );
    expect(run.check('open').detail).toMatch(/^opened PostgreSQL 15\./);
    expect(run.check('integrity').detail).toMatch(/^1 entry, 15 B; .*4 of 4 indexes present$/);
    expect(run.check('connections').detail).toMatch(
      /handles 0 → 0; no resource left active; .*idle pgcache sessions? on the server$/,
    );
  });

  it('a pgcache session left idle in a transaction fails, naming its pid', async () => {
    const client = new pg.Client({ connectionString: schema.url, application_name: 'pgcache' });
    await client.connect();
    try {
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await client.query('BEGIN');
      await client.query('SELECT 1');
      const run = await runTestDoctor(undefined, {
        settings: { databaseUrl: schema.url },
        checks: ['connections'],
        thresholds: { idleInTransactionMs: 1, probeCycles: 1 },
      });
      expect(run.check('connections')).toMatchObject({
        status: 'fail',
        detail: expect.stringContaining(
          `server session pid ${rows[0]?.pid} has been idle in transaction for`,
        ),
        fix: expect.stringContaining(`SELECT pg_terminate_backend(${rows[0]?.pid})`),
      });
    } finally {
      await client.query('ROLLBACK');
      await client.end();
    }
  });
});
