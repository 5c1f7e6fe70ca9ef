import { join } from 'node:path';
import { PGlite, protocol } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedDatabase, type EmbeddedDatabase } from '../../src/db/embedded-database.js';
import { PgliteChannel } from '../../src/db/pglite-channel.js';
import { PreparedStatements } from '../../src/db/prepared-statements.js';
import { copyTemplateDataDir } from '../support/data-dir.js';

const { serialize } = protocol;

const TABLE = `CREATE TABLE prep_t (k text PRIMARY KEY, v jsonb, n int8, at timestamptz, ok boolean)`;

describe('prepared statements in the embedded adapter', () => {
  // The adapter (PGlite in its database thread), and PGlite itself in this thread on another copy.
  let db: EmbeddedDatabase;
  let pg: PGlite;
  beforeAll(async () => {
    db = await openEmbeddedDatabase({ pgDataDir: join(copyTemplateDataDir(), 'pgdata') });
    await db.exec(TABLE);
    pg = await PGlite.create({ dataDir: join(copyTemplateDataDir(), 'pgdata') });
    await pg.exec(TABLE);
  });
  afterAll(async () => {
    await db.close();
    await pg.close();
  });

  it('returns exactly what PGlite query() returns, types parsed the same way (across the thread too)', async () => {
    const at = new Date('2026-11-22T12:00:00.000Z');
    const row = ['a', JSON.stringify({ x: [1, 'é'] }), 7, at, true];
    const insertSql = `INSERT INTO prep_t VALUES ($1, $2::jsonb, $3, $4, $5) RETURNING *`;
    expect((await db.query(insertSql, row)).affectedRows).toBe(1);
    const statements = new PreparedStatements(PgliteChannel.of(pg), pg);
    expect(statements.query(insertSql, row, false).affectedRows).toBe(1);
    const sql = `SELECT k, v, n, at, ok FROM prep_t WHERE k = $1 AND at <= $2`;
    const params = ['a', new Date('2030-01-01T00:00:00Z')];
    // PGlite keeps the channel's write callback until one of its own protocol calls resets it.
    await pg.execProtocol(new Uint8Array(0));
    const plain = await pg.query(sql, params);
    // After a PGlite API call, the channel still gets its own answers.
    expect(statements.query(sql, params, false).rows).toEqual(plain.rows);
    expect((await db.query(sql, params)).rows).toEqual(plain.rows);
    expect(plain.rows).toEqual([{ k: 'a', v: { x: [1, 'é'] }, n: 7, at, ok: true }]);
    expect((await db.query(sql, ['missing', at])).rows).toEqual([]);
  });

  it('prepares again when a statement disappears (DEALLOCATE ALL by a wire client) or its plan no longer fits', async () => {
    const sql = `SELECT k FROM prep_t WHERE k = $1`;
    expect((await db.query(sql, ['a'])).rows).toEqual([{ k: 'a' }]);
    await db.exec('DEALLOCATE ALL');
    expect((await db.query(sql, ['a'])).rows).toEqual([{ k: 'a' }]);
    const star = `SELECT * FROM prep_t WHERE k = $1`;
    expect(
      Object.keys((await db.query<Record<string, unknown>>(star, ['a'])).rows[0] ?? {}),
    ).toHaveLength(5);
    await db.exec('ALTER TABLE prep_t ADD COLUMN extra int');
    expect(
      Object.keys((await db.query<Record<string, unknown>>(star, ['a'])).rows[0] ?? {}),
    ).toHaveLength(6);
  });

  it('keeps a bounded set of statements, evicting the least recently used', async () => {
    const small = new PreparedStatements(PgliteChannel.of(pg), pg, 2);
    for (let i = 0; i < 5; i += 1) {
      expect(small.query<{ n: number }>(`SELECT $1::int + ${i} AS n`, [1], false).rows).toEqual([
        { n: 1 + i },
      ]);
    }
    await pg.execProtocol(new Uint8Array(0));
    const { rows } = await pg.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement LIKE $1`,
      ['SELECT $1::int + %'],
    );
    expect(rows).toEqual([{ n: 2 }]);
  });

  it('never runs inside another caller’s transaction: a write beside a rolled-back transaction stays', async () => {
    let inserted!: () => void;
    const insertedInTx = new Promise<void>((resolve) => (inserted = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const tx = db
      .transaction(async (t) => {
        await t.query(`INSERT INTO prep_t (k) VALUES ('in-tx')`);
        inserted();
        await held;
        throw new Error('roll back');
      })
      .catch((error: unknown) => (error as Error).message);
    // The transaction is open and has written: a call issued now must wait for it to end, not
    // run inside it (where it would see 'in-tx' and be rolled back with it).
    await insertedInTx;
    const beside = db.query<{ k: string; seen: number }>(
      `INSERT INTO prep_t (k, n) VALUES ($1, (SELECT count(*) FROM prep_t WHERE k = 'in-tx'))
       RETURNING k, n AS seen`,
      ['beside'],
    );
    release();
    expect(await tx).toMatch(/roll back$/);
    expect((await beside).rows).toEqual([{ k: 'beside', seen: 0 }]);
    const { rows } = await db.query<{ k: string }>(
      `SELECT k FROM prep_t WHERE k IN ('in-tx', 'beside') ORDER BY k`,
    );
    expect(rows).toEqual([{ k: 'beside' }]);
  });

  it('after a wire message, the next store query gets its own answer and the wire client only its own', async () => {
    const chunks: Uint8Array[] = [];
    await db.execProtocol(serialize.query('SELECT 1 AS one'), (chunk) => chunks.push(chunk));
    const wireBytes = chunks.reduce((n, c) => n + c.length, 0);
    expect(
      (await db.query<{ k: string }>(`SELECT k FROM prep_t WHERE k = $1`, ['a'])).rows,
    ).toEqual([{ k: 'a' }]);
    expect(await db.query<{ two: number }>(`SELECT 2 AS two`)).toMatchObject({
      rows: [{ two: 2 }],
    });
    expect(chunks.reduce((n, c) => n + c.length, 0)).toBe(wireBytes);
  });
});
