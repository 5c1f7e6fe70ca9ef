import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { startServe, type ServeHandle, type ServeOptions } from '../../src/serve/serve.js';
import { openStore } from '../../src/store/open-store.js';
import { storeOwnerOf } from '../../src/control/store-owner.js';
import type { Store } from '../../src/store/store.js';
import { copyTemplateDataDir } from '../support/data-dir.js';
import { wasmCrash } from '../support/faulty-database.js';
import { RawWireClient, dataRows, errorCode, frontend } from '../support/raw-wire.js';

describe("serve's wire endpoint on the store's one session", () => {
  let store: Store;
  let serve: ServeHandle | undefined;
  const clients: pg.Client[] = [];
  const raws: RawWireClient[] = [];

  beforeAll(async () => {
    store = await openStore({
      dataDir: copyTemplateDataDir(),
      migrations: 'require',
      thread: true,
    });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
    for (const raw of raws.splice(0)) raw.close();
    await serve?.close();
    serve = undefined;
  });
  afterAll(() => store.close());

  const start = async (options: ServeOptions = {}): Promise<number> => {
    serve = await startServe(store, options);
    return serve.endpoints.pg?.port ?? 0;
  };
  const client = async (port: number, config: pg.ClientConfig = {}): Promise<pg.Client> => {
    const c = new pg.Client({
      host: '127.0.0.1',
      port,
      user: 'test',
      database: 'postgres',
      ...config,
    });
    c.on('error', () => undefined);
    await c.connect();
    clients.push(c);
    return c;
  };
  const raw = async (port: number, params?: Record<string, string>): Promise<RawWireClient> => {
    const r = await RawWireClient.open(port, params);
    raws.push(r);
    return r;
  };

  it("keeps a client's Parse/Bind/Execute/Sync together: another client's statement cannot slip in between", async () => {
    const port = await start();
    const a = await raw(port);
    a.send(frontend.parse('SELECT $1::int + 100 AS a'));
    await a.until('1'); // ParseComplete
    // b's startup and statement wait for a's sequence: the session is a's until its Sync.
    const b = client(port).then((c) => c.query('SELECT $1::text AS b', ['from b']));
    await expect.poll(() => serve?.wireStats()?.waiting, { timeout: 10_000 }).toBe(1);
    a.send(frontend.bind(['5']), frontend.execute(), frontend.sync());
    expect(dataRows(await a.until('Z'))).toEqual(['105']);
    const other = b;
    expect((await other).rows).toEqual([{ b: 'from b' }]);
  });

  it("never runs a store call inside a client's transaction: the client's rollback does not undo it", async () => {
    const port = await start();
    const c = await client(port);
    await c.query('BEGIN');
    await c.query(`INSERT INTO pgcache_meta VALUES ('wire:rolled-back', '1', now())`);
    const write = store.set('app:acknowledged', 1);
    expect(serve?.wireStats()?.clients).toEqual([expect.objectContaining({ state: 'holding' })]);
    await c.query('ROLLBACK');
    await write;
    expect((await store.get('app:acknowledged'))?.value).toBe(1);
    expect(
      (await c.query(`SELECT count(*)::int AS n FROM pgcache_meta WHERE key = 'wire:rolled-back'`))
        .rows,
    ).toEqual([{ n: 0 }]);
  });

  it('disconnects a client that keeps a transaction open past the limit, rolls it back, and the store goes on', async () => {
    const clock = new ManualClock();
    const port = await start({ clock, idleTransactionTimeoutMs: 1000 });
    const a = await raw(port);
    a.send(frontend.query('BEGIN'));
    await a.until('Z');
    a.send(frontend.query(`INSERT INTO pgcache_meta VALUES ('wire:abandoned', '1', now())`));
    await a.until('Z');
    const write = store.set('app:after-hold', 2);
    // The endpoint's own view of the client: the manual clock fires the hold timer synchronously,
    // and the disconnect marks the client as closing at once (its socket ends later).
    const states = (): string[] | undefined => serve?.wireStats()?.clients.map((c) => c.state);
    expect(states()).toEqual(['holding']);
    clock.advance(999);
    expect(states()).toEqual(['holding']);
    clock.advance(1);
    expect(states()).toEqual(['closing']);
    expect(errorCode(await a.until('never'))).toBe('25P03');
    await write;
    expect((await store.get('app:after-hold'))?.value).toBe(2);
    const c = await client(port);
    expect(
      (await c.query(`SELECT count(*)::int AS n FROM pgcache_meta WHERE key = 'wire:abandoned'`))
        .rows,
    ).toEqual([{ n: 0 }]);
  });

  it('asks for the token as the password and refuses a wrong one (28P01)', async () => {
    const port = await start({ token: 's3cret' });
    await expect(client(port, { password: 'wrong' })).rejects.toMatchObject({ code: '28P01' });
    const c = await client(port, { password: 's3cret' });
    expect((await c.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('refuses connections over the maximum with 53300 and counts current, peak and idle time per client', async () => {
    const port = await start({ maxConnections: 2 });
    const first = await client(port, { application_name: 'first' });
    await client(port, { application_name: 'second' });
    await expect(client(port)).rejects.toMatchObject({ code: '53300' });
    await first.end();
    await expect.poll(() => serve?.wireStats()?.current, { timeout: 10_000 }).toBe(1);
    expect(serve?.wireStats()).toMatchObject({
      current: 1,
      peak: 2,
      max: 2,
      accepted: 2,
      refused: 1,
      clients: [
        {
          applicationName: 'second',
          user: 'test',
          address: '127.0.0.1',
          state: 'idle',
          idleMs: expect.any(Number),
        },
      ],
    });
  });

  it('tells a client whose session was on a crashed instance to reconnect (57P01); new connections use the new instance', async () => {
    const port = await start();
    const before = await client(port);
    await before.query('SELECT 1');
    await store.set('app:before-crash', 3);
    const instance = storeOwnerOf(store).deps.instance;
    await expect(
      instance?.withInstance('test', () => Promise.reject(wasmCrash())),
    ).rejects.toMatchObject({
      code: 'E_INSTANCE_CRASHED',
    });
    await expect(before.query('SELECT 1')).rejects.toMatchObject({ code: '57P01' });
    const after = await client(port);
    // The new instance answers from the same directory: the write acknowledged before the crash.
    expect(
      (
        await after.query(
          `SELECT count(*)::int AS n FROM pgcache_entries WHERE key = 'app:before-crash'`,
        )
      ).rows,
    ).toEqual([{ n: 1 }]);
    expect((await store.get('app:before-crash'))?.value).toBe(3);
    expect(instance?.generation).toBe(2);
  });
});

describe('a long wire transaction', () => {
  it('is not cut off while it keeps sending, and the instance probe finds the instance busy, not hung', async () => {
    const clock = new ManualClock();
    const store = await openStore({
      dataDir: copyTemplateDataDir(),
      migrations: 'require',
      clock,
      thread: true,
    });
    const serve = await startServe(store, { clock, idleTransactionTimeoutMs: 1000 });
    const a = await RawWireClient.open(serve.endpoints.pg?.port ?? 0);
    try {
      a.send(frontend.query('BEGIN'));
      await a.until('Z');
      let verdict: string | undefined;
      // The probe's SELECT 1 waits behind the transaction; the client goes on meanwhile.
      const probing = storeOwnerOf(store)
        .deps.instance?.probe(100)
        .then((v) => (verdict = v));
      const select = async (i: number): Promise<void> => {
        a.send(frontend.query(`SELECT ${i}`));
        expect(dataRows(await a.until('Z'))).toEqual([String(i)]);
      };
      await clock.tick(60);
      await select(0);
      await clock.tick(60);
      await probing;
      expect(verdict).toBe('healthy');
      // Idle time is what counts: 1.2 s in the transaction, never 1 s idle.
      for (let i = 1; i <= 3; i += 1) {
        await clock.tick(400);
        await select(i);
      }
      expect(a.closed).toBe(false);
      a.send(frontend.query('COMMIT'));
      await a.until('Z');
      expect(storeOwnerOf(store).deps.instance?.generation).toBe(1);
    } finally {
      a.close();
      await serve.close();
      await store.close();
    }
  });
});
