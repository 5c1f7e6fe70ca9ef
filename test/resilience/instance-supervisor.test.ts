import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ClosedError,
  InstanceCrashedError,
  InstanceRestartedError,
  NestedTransactionError,
  StoreUnavailableError,
} from '../../src/errors/index.js';
import {
  openSupervisedDatabase,
  type SupervisedDatabase,
} from '../../src/resilience/instance-supervisor.js';
import { copyTemplateDataDir } from '../support/data-dir.js';
import { InstanceHarness } from '../support/instance-harness.js';

const INSERT_META = `INSERT INTO pgcache_meta (key, value, updated_at) VALUES ($1, $2::jsonb, now())`;
const COUNT_META = `SELECT count(*)::int AS n FROM pgcache_meta`;

async function count(db: SupervisedDatabase): Promise<number> {
  const { rows } = await db.query<{ n: number }>(COUNT_META);
  return rows[0]?.n ?? -1;
}

async function writeRows(db: SupervisedDatabase, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) await db.query(INSERT_META, [`k${i}`, JSON.stringify(i)]);
}

describe('SupervisedDatabase on a real PGlite', () => {
  let pgDataDir: string;
  let h: InstanceHarness;
  let db: SupervisedDatabase;

  beforeAll(() => {
    pgDataDir = join(copyTemplateDataDir(), 'pgdata');
  });
  beforeEach(async () => {
    h = new InstanceHarness(pgDataDir);
    db = await openSupervisedDatabase({ open: () => h.open(), clock: h.clock });
    await db.exec('TRUNCATE pgcache_meta, pgcache_counters');
  });
  afterEach(async () => {
    await db.close();
    await h.closeAll();
    expect(h.overlaps).toBe(0);
  });

  it('replaces a crashed instance without losing acknowledged writes', async () => {
    await writeRows(db, 50);
    const first = h.current;
    first.hangNext(/^SELECT 'in flight'/).crashNext(/^INSERT/);
    const inFlight = db.query(`SELECT 'in flight'`).catch((e: unknown) => e);
    const crashed = await db.query(INSERT_META, ['boom', '1']).catch((e: unknown) => e);
    expect(crashed).toBeInstanceOf(InstanceCrashedError);
    expect(crashed).toMatchObject({ code: 'E_INSTANCE_CRASHED', exitCode: 69 });
    const restarted = await inFlight;
    expect(restarted).toBeInstanceOf(InstanceRestartedError);
    expect(restarted).toMatchObject({ code: 'E_INSTANCE_RESTARTED', exitCode: 75 });
    // A call issued now waits for the new instance and finds every acknowledged row there.
    expect(await count(db)).toBe(50);
    expect(h.instances).toHaveLength(2);
    expect(h.instances[1]?.statements).toEqual([COUNT_META]);
    expect(first.inner.stopped).toBe(true);
    expect(db.stats()).toEqual({
      state: 'open',
      thread: false,
      generation: 2,
      restarts: 1,
      abandoned: 1,
      crashes: 1,
      hangs: 0,
      failedInFlight: 1,
      failedOpens: 0,
    });
  });

  it('reopens once for any number of concurrent crashes', async () => {
    h.current.crashNext(/^SELECT 'crash'/, 5);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => db.query(`SELECT 'crash'`).catch((e: unknown) => e)),
    );
    const codes = new Set(results.map((e) => (e as { code?: string }).code));
    expect(codes.has('E_INSTANCE_CRASHED')).toBe(true);
    expect(
      [...codes].every((c) => c === 'E_INSTANCE_CRASHED' || c === 'E_INSTANCE_RESTARTED'),
    ).toBe(true);
    expect(await count(db)).toBe(0);
    expect(h.instances).toHaveLength(2);
    expect(db.stats()).toMatchObject({ generation: 2, crashes: 1 });
  });

  it('replaces an instance that stops answering when probed', async () => {
    await writeRows(db, 20);
    h.current.freeze();
    const stuck = db.query('SELECT 1').catch((e: unknown) => e);
    let verdict: string | undefined;
    const probing = db.probe(100).then((v) => (verdict = v));
    await h.clock.tick(99);
    expect(verdict).toBeUndefined();
    await h.clock.tick(1);
    await probing;
    expect(verdict).toBe('restarted');
    expect(await stuck).toBeInstanceOf(InstanceRestartedError);
    expect(await db.probe(100)).toBe('restarting');
    expect(await count(db)).toBe(20);
    expect(await db.probe(100)).toBe('healthy');
    expect(db.stats()).toMatchObject({ generation: 2, hangs: 1, crashes: 0, failedInFlight: 1 });
  });

  it('leaves a healthy instance alone; concurrent probes share one check', async () => {
    const a = db.probe(100);
    const b = db.probe(100);
    expect(a).toBe(b);
    expect(await a).toBe('healthy');
    expect(h.clock.pendingTimers).toBe(0);
    expect(db.stats()).toMatchObject({ generation: 1, abandoned: 0 });
    expect(db.describe()).toMatchObject({ kind: 'embedded', location: pgDataDir });
    expect(db.connections()).toMatchObject({ open: 1 });
  });

  it('surfaces a failed reopen as E_STORE_UNAVAILABLE; the next call tries again', async () => {
    await writeRows(db, 3);
    h.failOpens = 1;
    h.current.crashNext(/^SELECT 'crash'/);
    await expect(db.query(`SELECT 'crash'`)).rejects.toBeInstanceOf(InstanceCrashedError);
    const unavailable = await db.query('SELECT 1').catch((e: unknown) => e);
    expect(unavailable).toBeInstanceOf(StoreUnavailableError);
    expect(unavailable).toMatchObject({ code: 'E_STORE_UNAVAILABLE', exitCode: 69 });
    expect(db.stats()).toMatchObject({ state: 'down', failedOpens: 1 });
    expect(db.connections()).toEqual({ open: 0, active: 0, idle: 0, waiting: 0 });
    expect(await db.probe(100)).toBe('unavailable');
    expect(await count(db)).toBe(3);
    expect(db.stats()).toMatchObject({ state: 'open', generation: 2, restarts: 1 });
  });

  it('rolls back a transaction whose statement crashed the instance', async () => {
    h.current.crashNext(/^INSERT INTO pgcache_counters/);
    await expect(
      db.transaction(async (tx) => {
        await tx.query(INSERT_META, ['in-tx', '1']);
        await tx.query(`INSERT INTO pgcache_counters (name, value) VALUES ('c', 1)`);
      }),
    ).rejects.toBeInstanceOf(InstanceCrashedError);
    expect(await count(db)).toBe(0);
    // The outer handle inside a transaction still fails at once instead of hanging.
    await expect(
      db.transaction(async () => {
        await db.query('SELECT 1');
      }),
    ).rejects.toBeInstanceOf(NestedTransactionError);
    await db.transaction((tx) => tx.query(INSERT_META, ['committed', '2']));
    expect(await count(db)).toBe(1);
  });

  it('close() is idempotent, and calls after it fail with E_CLOSED', async () => {
    await Promise.all([db.close(), db.close()]);
    expect(db.closed).toBe(true);
    await expect(db.query('SELECT 1')).rejects.toBeInstanceOf(ClosedError);
    await expect(db.exec('SELECT 1')).rejects.toMatchObject({ code: 'E_CLOSED' });
    expect(await db.probe(100)).toBe('closed');
    expect(db.stats().state).toBe('closed');
    expect(h.instances.every((i) => i.inner.stopped)).toBe(true);
  });

  it('closing during a reopen closes the new instance too', async () => {
    h.current.crashNext(/^SELECT 'crash'/);
    await expect(db.query(`SELECT 'crash'`)).rejects.toBeInstanceOf(InstanceCrashedError);
    expect(await db.probe(100)).toBe('restarting');
    const waiting = db.query('SELECT 1').catch((e: unknown) => e);
    await db.close();
    expect(await waiting).toBeInstanceOf(ClosedError);
    expect(h.instances.every((i) => i.inner.stopped)).toBe(true);
  });
});
