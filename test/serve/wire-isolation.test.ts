import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openWireEndpoint, type WireEndpoint } from '../../src/serve/wire-endpoint.js';
import { openStore } from '../../src/store/open-store.js';
import { storeOwnerOf } from '../../src/control/store-owner.js';
import type { Store } from '../../src/store/store.js';
import { copyTemplateDataDir } from '../support/data-dir.js';
import { testClock } from '../support/test-clock.js';
import {
  RawWireClient,
  dataRows,
  errorCode,
  frontend,
  readyStatus,
  sendCancelRequest,
} from '../support/raw-wire.js';

// Wire clients of one store's endpoint. Timeouts fire when the test advances the clock.
describe('wire clients are isolated from each other and from the store', () => {
  const clock = testClock();
  let store: Store;
  let endpoint: WireEndpoint;
  let port: number;
  const raws: RawWireClient[] = [];
  const pgs: pg.Client[] = [];

  beforeAll(async () => {
    store = await openStore({
      dataDir: copyTemplateDataDir(),
      migrations: 'require',
      clock,
      thread: true,
    });
    const database = storeOwnerOf(store).deps.instance;
    if (database === undefined) throw new Error('an embedded store was expected');
    endpoint = await openWireEndpoint(
      { maxConnections: 20, maxCopyBytes: 4096 },
      { database, clock },
    );
    port = endpoint.address.port;
  });
  afterEach(async () => {
    for (const raw of raws.splice(0)) raw.close();
    await Promise.all(pgs.splice(0).map((c) => c.end().catch(() => undefined)));
    await expect.poll(() => endpoint.connected, { timeout: 10_000 }).toBe(0);
  });
  afterAll(async () => {
    await endpoint.close();
    await store.close();
  });

  const raw = async (params?: Record<string, string>): Promise<RawWireClient> => {
    const client = await RawWireClient.open(port, params);
    raws.push(client);
    return client;
  };
  const client = async (config: pg.ClientConfig = {}): Promise<pg.Client> => {
    const c = new pg.Client({
      host: '127.0.0.1',
      port,
      user: 'test',
      database: 'postgres',
      ...config,
    });
    c.on('error', () => undefined);
    await c.connect();
    pgs.push(c);
    return c;
  };
  const one = async (c: RawWireClient, sql: string): Promise<string | undefined> =>
    dataRows(await c.query(sql))[0];
  // What every client's session leaves on the one session: statements and settings.
  const leftovers = async (): Promise<{ statements: number; settings: number }> => {
    const c = await raw();
    const statements = Number(
      await one(c, `SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'pgcache_wire%'`),
    );
    const settings = Number(
      await one(c, `SELECT count(*) FROM pg_settings WHERE source = 'session'`),
    );
    return { statements, settings };
  };

  it("keeps each client's SET, RESET and search_path to itself, and away from the store", async () => {
    const a = await raw();
    const b = await raw();
    expect(errorCode(await a.query(`SET search_path = pg_catalog`))).toBeUndefined();
    await a.query(`SET TimeZone = 'Asia/Tokyo'`);
    expect(await one(b, 'SHOW search_path')).toBe('public');
    expect(await one(b, 'SHOW TimeZone')).toBe('UTC');
    // The store's own statements still find its tables.
    await store.set('iso:store', { ok: true });
    expect((await store.get('iso:store'))?.value).toEqual({ ok: true });
    expect(await one(a, 'SHOW search_path')).toBe('pg_catalog');
    expect(errorCode(await a.query('SELECT count(*) FROM pgcache_entries'))).toBe('42P01');
    // SET LOCAL ends with the transaction; a SET rolled back is undone, as in PostgreSQL.
    await a.query(`BEGIN; SET LOCAL TimeZone = 'UTC'`);
    expect(await one(a, 'SHOW TimeZone')).toBe('UTC');
    await a.query('COMMIT');
    expect(await one(a, 'SHOW TimeZone')).toBe('Asia/Tokyo');
    await a.query(`BEGIN; SET TimeZone = 'Europe/Paris'; ROLLBACK`);
    expect(await one(a, 'SHOW TimeZone')).toBe('Asia/Tokyo');
    await a.query('RESET ALL');
    expect(await one(a, 'SHOW search_path')).toBe('public');
    expect(await one(a, 'SHOW TimeZone')).toBe('UTC');
    a.close();
    await expect.poll(() => endpoint.connected).toBe(1);
    expect(await leftovers()).toEqual({ statements: 0, settings: 0 });
  });

  it("takes a client's startup parameters (options, TimeZone) as its own settings", async () => {
    const a = await raw({ options: '-c search_path=pg_catalog', TimeZone: 'Asia/Tokyo' });
    const b = await raw();
    expect(await one(a, 'SHOW search_path')).toBe('pg_catalog');
    expect(await one(a, 'SHOW TimeZone')).toBe('Asia/Tokyo');
    expect(await one(b, 'SHOW search_path')).toBe('public');
    // A value the server refuses ends the connection with the server's error, as PostgreSQL does.
    await expect(client({ options: '-c TimeZone=Not/AZone' })).rejects.toMatchObject({
      code: '22023',
    });
  });

  it('never lets a setting changed out of sight (inside a function) reach the store', async () => {
    const a = await raw();
    await a.query(`CREATE FUNCTION iso_sneaky() RETURNS void LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_catalog.set_config('search_path', 'pg_catalog', false); END $$`);
    await a.query('SELECT iso_sneaky()');
    await store.set('iso:sneaky', 1);
    expect((await store.get('iso:sneaky'))?.value).toBe(1);
  });

  it('honours statement_timeout: a running statement is answered with 57014 and fails its transaction', async () => {
    const a = await raw();
    await a.query(`SET statement_timeout = '100ms'`);
    await a.query('BEGIN');
    await a.query(`INSERT INTO pgcache_meta VALUES ('iso:timeout', '1', now())`);
    a.send(frontend.query('SELECT pg_sleep(1)'));
    await expect.poll(() => endpoint.session()?.state).toBe('active');
    clock.advance(100);
    const timedOut = await a.until('Z');
    expect(errorCode(timedOut)).toBe('57014');
    expect(readyStatus(timedOut)).toBe('E');
    expect(errorCode(await a.query('SELECT 1'))).toBe('25P02');
    expect(readyStatus(await a.query('ROLLBACK'))).toBe('I');
    expect(await one(a, `SELECT count(*) FROM pgcache_meta WHERE key = 'iso:timeout'`)).toBe('0');
    expect(await one(a, 'SHOW statement_timeout')).toBe('100ms');
  });

  it("honours a client's idle_in_transaction_session_timeout below the endpoint's (25P03)", async () => {
    const a = await raw();
    await a.query(`SET idle_in_transaction_session_timeout = '100ms'`);
    await a.query('BEGIN');
    clock.advance(100);
    const told = await a.until('never');
    expect(errorCode(told)).toBe('25P03');
    expect(a.closed).toBe(true);
  });

  it('honours statement_timeout for a statement still waiting for the session: dropped with 57014', async () => {
    const holder = await raw();
    const waiter = await raw();
    await waiter.query(`SET statement_timeout = 50`);
    await holder.query('BEGIN');
    waiter.send(frontend.query('SELECT 1'));
    await expect.poll(() => endpoint.stats().waiting).toBe(1);
    clock.advance(50);
    const waited = await waiter.until('Z');
    expect(errorCode(waited)).toBe('57014');
    expect(readyStatus(waited)).toBe('I');
    expect(readyStatus(await holder.query('COMMIT'))).toBe('I');
    expect(await one(waiter, 'SELECT 2')).toBe('2');
  });

  it('keeps protocol-level prepared statements per client: same names, DEALLOCATE ALL drops only its own', async () => {
    const a = await raw();
    const b = await raw();
    for (const [c, n] of [
      [a, 1],
      [b, 2],
    ] as const) {
      c.send(frontend.parse(`SELECT $1::int + ${n}`, 'q'), frontend.sync());
      expect((await c.until('Z')).map((m) => m.type)).toEqual(['1', 'Z']);
    }
    const run = async (c: RawWireClient, value: string): Promise<string[]> => {
      c.send(frontend.bind([value], 'q'), frontend.execute(), frontend.sync());
      return dataRows(await c.until('Z'));
    };
    expect(await run(a, '10')).toEqual(['11']);
    expect(await run(b, '10')).toEqual(['12']);
    // A second Parse of a name the client has is refused as PostgreSQL does.
    a.send(frontend.parse('SELECT 0', 'q'), frontend.sync());
    expect(errorCode(await a.until('Z'))).toBe('42P05');
    expect(readyStatus(await a.query('DEALLOCATE ALL'))).toBe('I');
    a.send(frontend.bind(['10'], 'q'), frontend.execute(), frontend.sync());
    expect(errorCode(await a.until('Z'))).toBe('26000');
    expect(await run(b, '20')).toEqual(['22']);
    // The store's own statements were not touched, and go on working.
    await store.set('iso:after-deallocate', 2);
    expect((await store.get('iso:after-deallocate'))?.value).toBe(2);
    a.close();
    b.close();
    await expect.poll(() => endpoint.connected).toBe(0);
    expect(await leftovers()).toEqual({ statements: 0, settings: 0 });
  });

  it('keeps SQL PREPARE / EXECUTE / DEALLOCATE per client, with the errors PostgreSQL gives', async () => {
    const a = await raw();
    const b = await raw();
    await a.query('PREPARE p (int) AS SELECT $1 * 3');
    expect(await one(a, 'EXECUTE p(5)')).toBe('15');
    expect(errorCode(await b.query('EXECUTE p(5)'))).toBe('26000');
    expect(errorCode(await a.query('PREPARE p AS SELECT 1'))).toBe('42P05');
    await b.query('PREPARE p AS SELECT 7');
    expect(await one(b, 'EXECUTE p')).toBe('7');
    // A name prepared through the protocol is the same statement to SQL, as in PostgreSQL.
    b.send(frontend.parse('SELECT 8', 'proto'), frontend.sync());
    await b.until('Z');
    expect(await one(b, 'EXECUTE proto')).toBe('8');
    expect(readyStatus(await a.query('DEALLOCATE p'))).toBe('I');
    expect(errorCode(await a.query('EXECUTE p(5)'))).toBe('26000');
    expect(await one(b, 'EXECUTE p')).toBe('7');
  });

  it("answers a client that only prepares while another holds the session (pgbench's PQprepare)", async () => {
    const a = await raw();
    const b = await raw();
    await a.query('BEGIN');
    b.send(
      frontend.parse('SELECT $1::int * 10', 'later'),
      frontend.parse('SELECT $1::int * 100', 'by_sql'),
      frontend.sync(),
    );
    expect((await b.until('Z')).map((m) => m.type)).toEqual(['1', '1', 'Z']);
    expect(endpoint.session()).toMatchObject({
      clientId: expect.any(Number),
      state: 'idle in transaction',
    });
    await a.query('COMMIT');
    b.send(frontend.bind(['4'], 'later'), frontend.execute(), frontend.sync());
    const answer = await b.until('Z');
    expect(answer.map((m) => m.type)).toEqual(['2', 'D', 'C', 'Z']);
    expect(dataRows(answer)).toEqual(['40']);
    expect(await one(b, 'EXECUTE by_sql(4)')).toBe('400');
  });

  it.each([
    ['LISTEN', 'LISTEN iso_channel'],
    ['a temporary table outside a transaction', 'CREATE TEMP TABLE iso_t (a int)'],
    ['SET ROLE', 'SET ROLE postgres'],
    ['a session advisory lock', 'SELECT pg_advisory_lock(42)'],
    ['a cursor WITH HOLD', 'DECLARE iso_c CURSOR WITH HOLD FOR SELECT 1'],
    ['COPY to a file', `COPY pgcache_meta TO '/tmp/iso.out'`],
    ['ALTER SYSTEM', `ALTER SYSTEM SET work_mem = '8MB'`],
    ['ALTER DATABASE … SET', `ALTER DATABASE postgres SET search_path = pg_catalog`],
  ])('refuses %s with 0A000 and goes on serving the client', async (_what, sql) => {
    const a = await raw();
    const refused = await a.query(sql);
    expect(errorCode(refused)).toBe('0A000');
    expect(readyStatus(refused)).toBe('I');
    expect(await one(a, 'SELECT 1')).toBe('1');
  });

  it('fails the transaction of a statement it refuses, as an error does in PostgreSQL', async () => {
    const a = await raw();
    await a.query('BEGIN');
    const refused = await a.query('LISTEN iso_channel');
    expect(errorCode(refused)).toBe('0A000');
    expect(readyStatus(refused)).toBe('E');
    expect(errorCode(await a.query('SELECT 1'))).toBe('25P02');
    expect(readyStatus(await a.query('ROLLBACK'))).toBe('I');
  });

  it('lets a temporary table live inside a transaction with ON COMMIT DROP', async () => {
    const a = await raw();
    await a.query('BEGIN');
    await a.query('CREATE TEMP TABLE iso_tmp (a int) ON COMMIT DROP');
    await a.query('INSERT INTO iso_tmp VALUES (1), (2)');
    expect(await one(a, 'SELECT count(*) FROM iso_tmp')).toBe('2');
    await a.query('COMMIT');
    expect(errorCode(await a.query('SELECT * FROM iso_tmp'))).toBe('42P01');
  });

  it("DISCARD ALL drops the client's statements and settings only; inside a transaction it is refused (25001)", async () => {
    const a = await raw();
    const b = await raw();
    await a.query(`SET TimeZone = 'Asia/Tokyo'; PREPARE mine AS SELECT 1`);
    await b.query('PREPARE theirs AS SELECT 2');
    await a.query('BEGIN');
    expect(errorCode(await a.query('DISCARD ALL'))).toBe('25001');
    await a.query('ROLLBACK');
    const discarded = await a.query('DISCARD ALL');
    expect(discarded.find((m) => m.type === 'C')?.body.toString('utf8')).toBe('DISCARD ALL\0');
    expect(await one(a, 'SHOW TimeZone')).toBe('UTC');
    expect(errorCode(await a.query('EXECUTE mine'))).toBe('26000');
    expect(await one(b, 'EXECUTE theirs')).toBe('2');
  });

  it('a cancel request drops a waiting statement with 57014; the cancel connection is closed and never counted', async () => {
    const holder = await raw();
    const waiter = await raw();
    const accepted = endpoint.stats().accepted;
    await holder.query('BEGIN');
    waiter.send(frontend.query('SELECT 1'));
    await expect.poll(() => endpoint.stats().waiting).toBe(1);
    await sendCancelRequest(port, waiter.pid, waiter.secret);
    const canceled = await waiter.until('Z');
    expect(errorCode(canceled)).toBe('57014');
    expect(readyStatus(canceled)).toBe('I');
    expect(endpoint.stats()).toMatchObject({ accepted, current: 2, waiting: 0 });
    await holder.query('COMMIT');
    expect(await one(waiter, 'SELECT 3')).toBe('3');
  });

  it("a cancel request answers a running statement's client at once with 57014, and its transaction is rolled back", async () => {
    const a = await raw();
    await a.query('BEGIN');
    await a.query(`INSERT INTO pgcache_meta VALUES ('iso:canceled', '1', now())`);
    a.send(frontend.query('SELECT pg_sleep(2)'));
    await expect.poll(() => endpoint.session()?.statement).toBe('SELECT pg_sleep(2)');
    await sendCancelRequest(port, a.pid, a.secret);
    const canceled = await a.until('Z');
    expect(errorCode(canceled)).toBe('57014');
    expect(readyStatus(canceled)).toBe('E');
    // Answered while PGlite still runs the statement (it cannot be interrupted).
    expect(endpoint.session()).toMatchObject({ state: 'active', statement: 'SELECT pg_sleep(2)' });
    expect(readyStatus(await a.query('ROLLBACK'))).toBe('I');
    expect(await one(a, `SELECT count(*) FROM pgcache_meta WHERE key = 'iso:canceled'`)).toBe('0');
    // A cancel request with the wrong secret does nothing.
    a.send(frontend.query('SELECT 4'));
    await sendCancelRequest(port, a.pid, a.secret + 1);
    expect(dataRows(await a.until('Z'))).toEqual(['4']);
  });

  it('pg_cancel_backend(pid) of a wire client cancels its statement; pg_backend_pid() is its BackendKeyData pid', async () => {
    const a = await raw();
    const b = await raw();
    expect(await one(a, 'SELECT pg_backend_pid()')).toBe(String(a.pid));
    a.send(frontend.query('SELECT pg_sleep(2)'));
    await expect.poll(() => endpoint.session()?.clientId).toBeDefined();
    expect(await one(b, `SELECT pg_cancel_backend(${a.pid})`)).toBe('t');
    expect(errorCode(await a.until('Z'))).toBe('57014');
    expect(await one(b, 'SELECT pg_cancel_backend(1)')).toBe('f');
  });

  it('runs COPY FROM STDIN and TO STDOUT; a CopyFail or a COPY over the limit ends it, the client goes on', async () => {
    const a = await raw();
    await a.query('CREATE TABLE iso_copy (n int, t text)');
    a.send(frontend.query('COPY iso_copy FROM STDIN'));
    expect((await a.until('G')).map((m) => m.type)).toEqual(['G']);
    a.send(frontend.copyData('1\tone\n2\t'), frontend.copyData('two\n'), frontend.copyDone());
    const done = await a.until('Z');
    expect(done.find((m) => m.type === 'C')?.body.toString('utf8')).toBe('COPY 2\0');
    const out = await a.query('COPY iso_copy TO STDOUT');
    expect(out.filter((m) => m.type === 'd').map((m) => m.body.toString('utf8'))).toEqual([
      '1\tone\n',
      '2\ttwo\n',
    ]);
    // An error in the statement comes before any data, as with PostgreSQL.
    expect(errorCode(await a.query('COPY iso_missing FROM STDIN'))).toBe('42P01');
    a.send(frontend.query('COPY iso_copy FROM STDIN'));
    await a.until('G');
    a.send(frontend.copyData('3\tthree\n'), frontend.copyFail('changed my mind'));
    expect(errorCode(await a.until('Z'))).toBe('57014');
    a.send(frontend.query('COPY iso_copy FROM STDIN'));
    await a.until('G');
    const big = `${'9\tnine\n'.repeat(1000)}`;
    a.send(frontend.copyData(big), frontend.copyData(big), frontend.copyDone());
    const tooLarge = await a.until('Z');
    expect(errorCode(tooLarge)).toBe('54000');
    expect(readyStatus(tooLarge)).toBe('I');
    expect(await one(a, 'SELECT count(*) FROM iso_copy')).toBe('2');
    // Malformed data fails the COPY, not the session.
    a.send(frontend.query('COPY iso_copy FROM STDIN'));
    await a.until('G');
    a.send(frontend.copyData('x\ty\n'), frontend.copyDone());
    expect(errorCode(await a.until('Z'))).toBe('22P02');
    expect(await one(a, 'SELECT count(*) FROM iso_copy')).toBe('2');
  });

  it('refuses COPY FROM STDIN in a query with other statements, or through the extended protocol', async () => {
    const a = await raw();
    expect(errorCode(await a.query('SELECT 1; COPY pgcache_meta FROM STDIN'))).toBe('0A000');
    a.send(
      frontend.parse('COPY pgcache_meta FROM STDIN'),
      frontend.bind([]),
      frontend.execute(),
      frontend.sync(),
    );
    const refused = await a.until('Z');
    expect(errorCode(refused)).toBe('0A000');
    expect(readyStatus(refused)).toBe('I');
    expect(await one(a, 'SELECT 5')).toBe('5');
  });

  it('cleans up after a client that leaves mid-transaction, mid-sequence or mid-COPY', async () => {
    const inTransaction = await raw();
    await inTransaction.query(`SET TimeZone = 'Asia/Tokyo'; PREPARE gone AS SELECT 1; BEGIN`);
    await inTransaction.query(`INSERT INTO pgcache_meta VALUES ('iso:left', '1', now())`);
    inTransaction.destroy();
    const inSequence = await raw();
    inSequence.send(frontend.parse('SELECT 1', 'half'), frontend.bind([], 'half'));
    await inSequence.until('2');
    inSequence.destroy();
    const inCopy = await raw();
    inCopy.send(frontend.query('COPY pgcache_meta FROM STDIN'));
    await inCopy.until('G');
    inCopy.send(frontend.copyData('iso:copied\t1\t2026-01-01\n'));
    inCopy.destroy();
    const midMessage = await raw();
    midMessage.send(frontend.query('SELECT 1').subarray(0, 7));
    midMessage.destroy();
    await expect.poll(() => endpoint.connected, { timeout: 10_000 }).toBe(0);
    const check = await raw();
    expect(
      await one(check, `SELECT count(*) FROM pgcache_meta WHERE key IN ('iso:left', 'iso:copied')`),
    ).toBe('0');
    check.close();
    await expect.poll(() => endpoint.connected).toBe(0);
    expect(await leftovers()).toEqual({ statements: 0, settings: 0 });
    await store.set('iso:after-leavers', 3);
    expect((await store.get('iso:after-leavers'))?.value).toBe(3);
  });

  it('ends a client that announces a message larger than it accepts (54000), before buffering it', async () => {
    const a = await raw();
    a.send(Buffer.from([0x51, 0x7f, 0xff, 0xff, 0xff]), Buffer.alloc(1024));
    const told = await a.until('never');
    expect(errorCode(told)).toBe('54000');
    expect(a.closed).toBe(true);
    const b = await raw();
    expect(await one(b, 'SELECT 6')).toBe('6');
  });

  it('tells who holds the session, from memory: client, state, since, statement', async () => {
    const a = await raw({ application_name: 'iso-holder' });
    expect(endpoint.session()).toBeNull();
    await a.query(`BEGIN; SELECT 'a statement' AS s`);
    expect(endpoint.session()).toEqual({
      clientId: expect.any(Number),
      pid: a.pid,
      applicationName: 'iso-holder',
      user: 'raw',
      address: '127.0.0.1',
      state: 'idle in transaction',
      since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      statement: `BEGIN; SELECT 'a statement' AS s`,
    });
    await a.query('COMMIT');
    expect(endpoint.session()).toBeNull();
  });

  it('serves node-postgres named and unnamed statements from one pool of several connections', async () => {
    const pool = new pg.Pool({
      host: '127.0.0.1',
      port,
      user: 'test',
      database: 'postgres',
      max: 5,
    });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        i % 2 === 0
          ? pool.query({ name: 'double', text: 'SELECT $1::int * 2 AS v', values: [i] })
          : pool.query('SELECT $1::int + 1 AS v', [i]),
      ),
    );
    expect(results.map((r) => r.rows[0]?.v)).toEqual(
      Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? i * 2 : i + 1)),
    );
    await pool.end();
  });
});
