import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { copyTemplateDataDir } from '../support/data-dir.js';
import {
  RawWireClient,
  errorCode,
  frontend,
  readyStatus,
  sendCancelRequest,
} from '../support/raw-wire.js';
import { pgcache, startServeProcess } from '../support/serve-process.js';

/** What a hostile client did; `end()` lets go of what it kept (a connection left open). */
type Hostile = (port: number, http: string) => Promise<{ end(): void } | undefined>;

const stays = (client: RawWireClient) => ({ end: () => client.close() });

// Each of these once wedged serve or poisoned the owner's session for everyone.
const HOSTILE: [string, Hostile][] = [
  [
    'a COPY aborted mid-stream',
    async (port) => {
      const c = await RawWireClient.open(port);
      c.send(frontend.query('COPY pgcache_meta FROM STDIN'));
      await c.until('G');
      c.send(frontend.copyData('hostile:copy\t1\t2026-01-01\n'), frontend.copyData('half a ro'));
      c.destroy();
      return undefined;
    },
  ],
  [
    '10 Ctrl-Cs on a running statement',
    async (port, http) => {
      const c = await RawWireClient.open(port);
      c.send(frontend.query('SELECT pg_sleep(1)'));
      for (let i = 0; i < 10; i += 1) await sendCancelRequest(port, c.pid, c.secret);
      expect(errorCode(await c.until('Z'))).toBe('57014');
      const wire = (await (await fetch(`${http}/v1/connections`)).json()) as {
        wire: { current: number };
      };
      expect(wire.wire.current).toBe(1); // no phantom client per cancel request
      return stays(c);
    },
  ],
  [
    'SET search_path = pg_catalog, left set',
    async (port) => {
      const c = await RawWireClient.open(port);
      expect(readyStatus(await c.query('SET search_path = pg_catalog'))).toBe('I');
      return stays(c);
    },
  ],
  [
    'DEALLOCATE ALL',
    async (port) => {
      const c = await RawWireClient.open(port);
      expect(readyStatus(await c.query('DEALLOCATE ALL'))).toBe('I');
      return stays(c);
    },
  ],
  [
    'DISCARD ALL',
    async (port) => {
      const c = await RawWireClient.open(port);
      expect(readyStatus(await c.query('DISCARD ALL'))).toBe('I');
      return stays(c);
    },
  ],
  [
    'a transaction left open and idle',
    async (port) => {
      const c = await RawWireClient.open(port);
      await c.query('BEGIN');
      await c.query(`INSERT INTO pgcache_meta VALUES ('hostile:open', '1', now())`);
      return stays(c);
    },
  ],
  [
    'a client that disconnects mid-message',
    async (port) => {
      const c = await RawWireClient.open(port);
      c.send(frontend.query(`SELECT '${'x'.repeat(10_000)}'`).subarray(0, 4000));
      c.destroy();
      return undefined;
    },
  ],
];

describe('no wire client can take the owner down', () => {
  it.each(HOSTILE)(
    'after %s: the HTTP API, the CLI and another wire client are served, and SIGTERM stops serve',
    async (_what, act) => {
      const dataDir = copyTemplateDataDir();
      const serve = await startServeProcess(dataDir);
      const { pg: endpoint, http } = serve.ready;
      const left = await act(endpoint.port, http.url);
      try {
        const put = await fetch(`${http.url}/v1/entries/hostile:key`, {
          method: 'PUT',
          body: JSON.stringify({ value: { served: true } }),
        });
        expect(put.status).toBe(200);
        const got = await fetch(`${http.url}/v1/entries/hostile:key`);
        expect(await got.json()).toMatchObject({ found: true, value: { served: true } });
        const cli = await pgcache(['get', 'hostile:key', '--data-dir', dataDir]);
        expect([cli.exitCode, cli.stdout, cli.stderr]).toEqual([0, '{"served":true}', '']);
        const other = new pg.Client({ ...endpoint, user: 'other', database: 'postgres' });
        await other.connect();
        const { rows } = await other.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pgcache_meta WHERE key LIKE 'hostile:%'`,
        );
        expect(rows).toEqual([{ n: 0 }]);
        await other.end();
      } finally {
        serve.child.kill('SIGTERM');
      }
      const exit = await serve.child;
      left?.end();
      expect(exit.exitCode).toBe(0);
      expect(serve.stderr()).toMatch(/stopped\n$/);
    },
    60_000,
  );
});
