import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openEmbeddedDatabase, type EmbeddedDatabase } from '../../src/db/embedded-database.js';
import { openHandleCount } from '../../src/db/handle-registry.js';
import { copyTemplateDataDir, emptyDir } from '../support/data-dir.js';

describe.each([
  { where: "in the caller's thread", thread: false },
  { where: 'in a thread of its own', thread: true },
])('EmbeddedDatabase, PGlite $where', ({ thread }) => {
  let db: EmbeddedDatabase | undefined;
  afterEach(async () => {
    await db?.close();
  });

  const open = async (): Promise<EmbeddedDatabase> => {
    db = await openEmbeddedDatabase({ pgDataDir: join(copyTemplateDataDir(), 'pgdata'), thread });
    expect(db.threaded).toBe(thread);
    return db;
  };

  it('runs parameterised statements and reports affected rows', async () => {
    const handle = await open();
    const insert = await handle.query(
      `INSERT INTO pgcache_meta (key, value, updated_at) VALUES ($1, $2::jsonb, now())`,
      ['k', JSON.stringify({ a: 1 })],
    );
    expect(insert.affectedRows).toBe(1);
    const { rows } = await handle.query<{ value: unknown }>(
      `SELECT value FROM pgcache_meta WHERE key = $1`,
      ['k'],
    );
    expect(rows).toEqual([{ value: { a: 1 } }]);
  });

  it('hands a decoded query’s text fields to its decoder, and counts the rows a write affected', async () => {
    const handle = await open();
    const fields = (f: readonly (string | null)[]) => [...f];
    const select = await handle.queryDecoded(
      `SELECT $1::int AS n, NULL::text AS t, 'é'::text AS s, repeat('x', 200000) AS big`,
      [5],
      fields,
    );
    expect(select.rows.map((r) => r.map((f) => f && f.slice(0, 3)))).toEqual([
      ['5', null, 'é', 'xxx'],
    ]);
    expect(select.rows[0]?.[3]).toHaveLength(200_000);
    const insert = await handle.queryDecoded(
      `INSERT INTO pgcache_counters (name, value) VALUES ('a', 1), ('b', 2)`,
      [],
      fields,
    );
    expect(insert).toEqual({ rows: [], affectedRows: 2 });
  });

  it('runs decoded statements in the order they were made, of any size, and after a transaction that holds the session', async () => {
    const handle = await open();
    const fields = (f: readonly (string | null)[]) => [...f];
    const count = `SELECT count(*)::text FROM pgcache_counters`;
    // Made in one tick: the decoded statement must not overtake the insert.
    const inserted = handle.query(`INSERT INTO pgcache_counters (name, value) VALUES ('a', 1)`);
    await expect(handle.queryDecoded(count, [], fields)).resolves.toMatchObject({ rows: [['1']] });
    await inserted;
    // Answers and parameters of megabytes, and a parameter that is not text.
    const big = 'y'.repeat(5_000_000);
    const echoed = await handle.queryDecoded(`SELECT $1::text, $2::bool`, [big, true], fields);
    expect(echoed.rows[0]?.[0]).toHaveLength(5_000_000);
    expect(echoed.rows[0]?.[1]).toBe('t');
    await expect(handle.queryDecoded('SELEC 1', [], fields)).rejects.toMatchObject({
      sqlState: '42601',
    });
    // A statement made while a transaction holds the session waits for it to end.
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const rolledBack = handle.transaction(async (tx) => {
      await tx.query(`INSERT INTO pgcache_counters (name, value) VALUES ('b', 2)`);
      holding();
      await released;
      throw new Error('roll back');
    });
    await held;
    const outside = handle.queryDecoded(count, [], fields);
    release();
    await expect(rolledBack).rejects.toThrow('roll back');
    await expect(outside).resolves.toMatchObject({ rows: [['1']] });
  });

  it('a file where the PGlite directory belongs is E_STORE_UNAVAILABLE with a hint, not a raw error', async () => {
    const pgDataDir = join(emptyDir(), 'pgdata');
    writeFileSync(pgDataDir, 'not a directory');
    await expect(openEmbeddedDatabase({ pgDataDir, thread })).rejects.toMatchObject({
      code: 'E_STORE_UNAVAILABLE',
      exitCode: 69,
      hint: expect.stringContaining('pgcache doctor'),
    });
  });

  it('close() is idempotent and later calls reject with E_CLOSED', async () => {
    const before = openHandleCount();
    const handle = await open();
    expect(openHandleCount()).toBe(before + 1);
    const pending = handle.query('SELECT 1 AS one');
    await Promise.all([handle.close(), handle.close()]);
    await expect(pending).resolves.toMatchObject({ rows: [{ one: 1 }] });
    await expect(handle.close()).resolves.toBeUndefined();
    await expect(handle.query('SELECT 1')).rejects.toMatchObject({ code: 'E_CLOSED' });
    expect(openHandleCount()).toBe(before);
  });

  it('a statement issued in the same tick as close() gets E_CLOSED, not an internal TypeError', async () => {
    const handle = await open();
    const closing = handle.close();
    await expect(handle.exec('SELECT 1')).rejects.toMatchObject({ code: 'E_CLOSED' });
    await closing;
  });

  it('refuses the outer handle inside a transaction instead of hanging', async () => {
    const handle = await open();
    await expect(
      handle.transaction(async () => {
        await handle.query('SELECT 1');
      }),
    ).rejects.toMatchObject({ code: 'E_NESTED_TRANSACTION' });
    await expect(handle.query('SELECT 2 AS two')).resolves.toMatchObject({ rows: [{ two: 2 }] });
  });

  it('rolls back a transaction whose callback throws', async () => {
    const handle = await open();
    await expect(
      handle.transaction(async (tx) => {
        await tx.query(`INSERT INTO pgcache_counters (name, value) VALUES ('x', 1)`);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const { rows } = await handle.query(`SELECT * FROM pgcache_counters`);
    expect(rows).toEqual([]);
  });

  it('translates SQL errors into pgcache errors with the SQLSTATE', async () => {
    const handle = await open();
    await expect(handle.query('SELEC 1')).rejects.toMatchObject({
      code: 'E_DATABASE',
      sqlState: '42601',
    });
  });

  it("abandon() fails the calls waiting for a transaction's turn as a crash, and the transaction too", async () => {
    const handle = await open();
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const transaction = handle
      .transaction(async (tx) => {
        await tx.query(`INSERT INTO pgcache_counters (name, value) VALUES ('t', 1)`);
        holding();
        await released;
        await tx.query(`INSERT INTO pgcache_counters (name, value) VALUES ('u', 1)`);
      })
      .catch((error: unknown) => error);
    await held;
    const waiting = handle.query('SELECT 1').catch((error: unknown) => error);
    handle.abandon();
    expect(await waiting).toMatchObject({ code: 'E_INSTANCE_CRASHED' });
    release();
    expect(await transaction).toMatchObject({ code: 'E_INSTANCE_CRASHED' });
    expect(handle.stopped).toBe(true);
    await expect(handle.query('SELECT 1')).rejects.toMatchObject({ code: 'E_CLOSED' });
  });
});

describe('EmbeddedDatabase, PGlite in a thread of its own', () => {
  let db: EmbeddedDatabase | undefined;
  afterEach(async () => {
    await db?.close();
  });

  const open = async (): Promise<EmbeddedDatabase> => {
    db = await openEmbeddedDatabase({
      pgDataDir: join(copyTemplateDataDir(), 'pgdata'),
      thread: true,
    });
    return db;
  };

  it("the caller's event loop turns while a statement runs", async () => {
    const handle = await open();
    let done = false;
    const sleeping = handle.query('SELECT pg_sleep(0.5)').then(() => (done = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    await sleeping;
    expect(done).toBe(true);
  });

  it('abandon() ends a thread stuck in a statement; what was running on it fails as a crash', async () => {
    const handle = await open();
    const stuck = handle.query('SELECT pg_sleep(600)').catch((error: unknown) => error);
    handle.abandon();
    expect(await stuck).toMatchObject({ code: 'E_INSTANCE_CRASHED' });
    expect(handle.stopped).toBe(true);
    await expect(handle.query('SELECT 1')).rejects.toMatchObject({ code: 'E_CLOSED' });
  });
});
