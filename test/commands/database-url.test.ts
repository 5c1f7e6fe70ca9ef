import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAINTAIN_LOCK_KEY } from '../../src/maintain/maintenance-lock.js';
import { startServe } from '../../src/serve/serve.js';
import { openStore } from '../../src/store/open-store.js';
import { runCli } from '../support/cli.js';
import { POSTGRES_SKIP_REASON, createTestSchema } from '../support/postgres.js';

if (POSTGRES_SKIP_REASON === undefined) {
  describe('every command with --database-url, against PostgreSQL', () => {
    let schema: Awaited<ReturnType<typeof createTestSchema>>;
    const cli = (...args: string[]) => runCli([...args, '--database-url', schema.url]);
    beforeAll(async () => {
      schema = await createTestSchema();
    });
    afterAll(() => schema.drop());

    it('init, set, get, list, del, stats and maintain run against the server', async () => {
      expect((await cli('init')).exitCode).toBe(0);
      expect((await cli('set', 'component:react:card', '{"code":"<div/>"}')).exitCode).toBe(0);
      expect((await cli('set', 'session:1', '"ann"', '--ttl', '1h')).exitCode).toBe(0);
      expect((await cli('get', 'component:react:card')).stdout).toBe('{"code":"<div/>"}\n');
      expect((await cli('get', 'nope:1')).exitCode).toBe(1);
      const list = await cli('list', '--json');
      expect(list.json<{ entries: { key: string }[] }>().entries.map((e) => e.key)).toEqual([
        'component:react:card',
        'session:1',
      ]);
      expect((await cli('del', 'session:1', '--json')).json()).toMatchObject({ removed: 1 });
      const stats = (await cli('stats', '--json')).json<Record<string, unknown>>();
      expect(stats).toMatchObject({
        backend: { kind: 'wire', engine: expect.stringMatching(/^PostgreSQL 15\./) },
        entries: { total: 1 },
        connections: {
          open: expect.any(Number),
          sessions: {
            applicationName: 'pgcache',
            total: expect.any(Number),
            byState: expect.any(Object),
          },
        },
      });
      const maintain = await cli('maintain', '--json');
      expect(maintain.exitCode).toBe(0);
      expect(maintain.json()).toMatchObject({ reclaimed: 'server', dryRun: false });
    });

    it('serialises maintain with an advisory lock: a run waits while another holds it and at its deadline reports it did not start (exit 0, for cron); --if-idle does at once; released, it runs', async () => {
      const holder = new pg.Client({ connectionString: schema.url });
      await holder.connect();
      try {
        await holder.query('SELECT pg_advisory_lock($1::int, hashtext(current_schema()))', [
          MAINTAIN_LOCK_KEY,
        ]);
        const blocked = await cli('maintain', '--json', '--timeout', '1s');
        expect(blocked).toMatchObject({ exitCode: 0, stderr: '' });
        expect(blocked.json()).toEqual({
          schemaVersion: 1,
          skipped: true,
          reason: expect.stringMatching(/^another `pgcache maintain` is running on this server/),
        });
        const idle = await cli('maintain', '--if-idle', '--quiet');
        expect(idle).toMatchObject({ exitCode: 0, stdout: '', stderr: '' });
        await holder.query('SELECT pg_advisory_unlock($1::int, hashtext(current_schema()))', [
          MAINTAIN_LOCK_KEY,
        ]);
        expect((await cli('maintain', '--json')).exitCode).toBe(0);
      } finally {
        await holder.end();
      }
    });
  });
} else {
  describe('every command with --database-url, against PostgreSQL', () => {
    it.skip(POSTGRES_SKIP_REASON ?? '', () => undefined);
  });
}

if (POSTGRES_SKIP_REASON === undefined) {
  describe('serve on a --database-url store', () => {
    it('serves the HTTP API and gives the server itself as the Postgres endpoint', async () => {
      const schema = await createTestSchema();
      const store = await openStore({ databaseUrl: schema.url });
      const serve = await startServe(store);
      try {
        const server = new URL(schema.url);
        expect(serve.endpoints.pg).toEqual({ host: server.hostname, port: Number(server.port) });
        const { url } = serve.endpoints.http;
        const put = await fetch(`${url}/v1/entries/app:1`, {
          method: 'PUT',
          body: JSON.stringify({ value: 1 }),
        });
        expect(put.status).toBe(200);
        expect(await (await fetch(`${url}/v1/entries/app:1`)).json()).toMatchObject({ value: 1 });
        expect(serve.wireStats()).toBeUndefined();
      } finally {
        await serve.close();
        await store.close();
        await schema.drop();
      }
    });
  });
}

describe('--database-url that cannot be reached', () => {
  it.each([
    ['an unknown host', 'postgres://u:p@no-such-host.invalid:5432/db'],
    ['a port nothing listens on', 'postgres://u:p@127.0.0.1:1/db'],
  ])('%s is exit 69 with a hint to check the server and URL, not "a bug"', async (_, url) => {
    const { exitCode, stderr } = await runCli(['get', 'app:1', '--database-url', url]);
    expect(exitCode).toBe(69);
    expect(stderr).toMatch(/E_STORE_UNAVAILABLE/);
    expect(stderr).toMatch(/hint: Check that the (database )?server is running/);
    expect(stderr).not.toMatch(/bug/);
    expect(stderr).not.toContain(':p@');
  });
});
