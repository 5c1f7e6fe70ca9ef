import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import type { Database } from '../../src/db/database.js';
import {
  CircuitOpenError,
  ClosedError,
  DatabaseError,
  DeadlineExceededError,
  InstanceCrashedError,
  TransientDatabaseError,
} from '../../src/errors/index.js';
import { Deadline } from '../../src/resilience/deadline.js';
import {
  openSupervisedDatabase,
  type SupervisedDatabase,
} from '../../src/resilience/instance-supervisor.js';
import {
  ResilientRunner,
  type Operation,
  type RunnerOptions,
} from '../../src/resilience/operation-runner.js';
import { copyTemplateDataDir, emptyDir } from '../support/data-dir.js';
import { sqlStateError } from '../support/faulty-database.js';
import { InstanceHarness } from '../support/instance-harness.js';

const UPSERT = `INSERT INTO pgcache_meta (key, value, updated_at) VALUES ($1, $2::jsonb, now())
  ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()`;
const INSERT = `INSERT INTO pgcache_meta (key, value, updated_at) VALUES ($1, $2::jsonb, now())`;

const OPTIONS = {
  operationTimeoutMs: 1000,
  queue: { readConcurrency: 10, writeConcurrency: 5, maxLength: 500, waitTimeoutMs: 500 },
  retry: { attempts: 3, baseDelayMs: 0, maxDelayMs: 0 },
  breaker: { threshold: 5, halfOpenAfterMs: 30_000 },
} satisfies RunnerOptions;

/** Let event-loop turns pass until `done()` holds (a bounded number; no time is measured). */
async function turnsUntil(done: () => boolean, turns = 100_000): Promise<void> {
  for (let i = 0; i < turns && !done(); i += 1) await new Promise((r) => setImmediate(r));
  if (!done()) throw new Error(`still not done after ${turns} event-loop turns`);
}

function gate(): { wait: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

describe('ResilientRunner against a supervised PGlite', () => {
  let h: InstanceHarness;
  let db: SupervisedDatabase;
  let runner: ResilientRunner;

  const op = (kind: Operation['kind'], budgetMs = 10_000, name: string = kind): Operation => ({
    kind,
    name,
    deadline: Deadline.after(h.clock, budgetMs),
  });
  const make = (options: RunnerOptions = OPTIONS, breakerInitialState?: unknown): ResilientRunner =>
    new ResilientRunner(options, {
      database: db,
      clock: h.clock,
      random: () => 0,
      breakerInitialState,
    });
  const write = (key: string, value: unknown, budgetMs?: number): Promise<unknown> =>
    runner.run(op('write', budgetMs), (d) => d.query(UPSERT, [key, JSON.stringify(value)]));
  const keys = async (): Promise<string[]> => {
    const { rows } = await db.query<{ key: string }>(`SELECT key FROM pgcache_meta ORDER BY key`);
    return rows.map((r) => r.key);
  };

  beforeAll(async () => {
    h = new InstanceHarness(join(copyTemplateDataDir(), 'pgdata'));
    db = await openSupervisedDatabase({ open: () => h.open(), clock: h.clock });
  });
  afterAll(async () => {
    await db.close();
    await h.closeAll();
    expect(h.overlaps).toBe(0);
  });
  beforeEach(async () => {
    await db.exec('TRUNCATE pgcache_meta, pgcache_counters');
    runner = make();
  });
  afterEach(async () => {
    await runner.close(Deadline.after(h.clock, 0));
  });

  it('runs reads and writes through the whole path', async () => {
    await write('a', { n: 1 });
    const rows = await runner.run(op('read'), async (d) => {
      const result = await d.query<{ value: unknown }>(`SELECT value FROM pgcache_meta`);
      return result.rows;
    });
    expect(rows).toEqual([{ value: { n: 1 } }]);
    const stats = runner.stats();
    expect(stats.queue).toMatchObject({ completed: 2, failed: 0, rejected: 0, active: 0 });
    expect(stats.breakers).toEqual([
      { name: 'store', state: 'closed', failures: 0, openedAt: null, halfOpenAt: null },
    ]);
    expect(stats.retries).toEqual({ retried: 0, exhausted: 0, stoppedByDeadline: 0 });
    expect(stats.instance).toMatchObject({ state: 'open' });
  });

  it('takes the resolved configuration as its options', async () => {
    const { config } = loadConfig({ cwd: emptyDir(), env: {} });
    const configured = make(config);
    await expect(
      configured.run(op('read'), (d) => d.query<{ one: number }>('SELECT 1 AS one')),
    ).resolves.toMatchObject({ rows: [{ one: 1 }] });
    await configured.close(Deadline.after(h.clock, 0));
  });

  it('retries a transient error to success and reports the retries', async () => {
    h.current.failNext(/^INSERT/, 2, sqlStateError('40001'));
    await write('retried', 1);
    expect(await keys()).toEqual(['retried']);
    expect(runner.stats().retries).toEqual({ retried: 2, exhausted: 0, stoppedByDeadline: 0 });
    expect(runner.breaker.snapshot().failures).toBe(0);
  });

  it('surfaces E_DATABASE_BUSY once the attempts are used up', async () => {
    h.current.failNext(/^INSERT/, 3, sqlStateError('40P01'));
    await expect(write('busy', 1)).rejects.toMatchObject({ code: 'E_DATABASE_BUSY' });
    expect(runner.stats().retries).toEqual({ retried: 2, exhausted: 1, stoppedByDeadline: 0 });
    expect(runner.breaker.snapshot().failures).toBe(1);
  });

  it('does not retry a real unique violation or syntax error', async () => {
    await runner.run(op('write'), (d) => d.query(INSERT, ['dup', '1']));
    let calls = 0;
    const duplicate = await runner
      .run(op('write'), (d) => {
        calls += 1;
        return d.query(INSERT, ['dup', '2']);
      })
      .catch((e: unknown) => e);
    expect(duplicate).toBeInstanceOf(DatabaseError);
    expect(duplicate).toMatchObject({ code: 'E_DATABASE', sqlState: '23505' });
    expect(calls).toBe(1);
    await expect(runner.run(op('read'), (d) => d.query('SELEC 1'))).rejects.toMatchObject({
      code: 'E_DATABASE',
      sqlState: '42601',
    });
    expect(runner.stats().retries.retried).toBe(0);
    expect(runner.breaker.snapshot()).toMatchObject({ state: 'closed', failures: 0 });
    expect(runner.stats().queue).toMatchObject({ completed: 1, failed: 2 });
  });

  it('names the queue stage when the deadline runs out waiting for a slot', async () => {
    const single = make({ ...OPTIONS, queue: { ...OPTIONS.queue, writeConcurrency: 1 } });
    h.current.hangNext(/^INSERT/);
    const slow = single.run(op('write'), (d) => d.query(UPSERT, ['slow', '1']));
    const waiting = single
      .run(op('write', 50), (d) => d.query(UPSERT, ['late', '1']))
      .catch((e: unknown) => e);
    await h.clock.tick(50);
    const error = await waiting;
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error).toMatchObject({ stage: 'queue' });
    // The first attempt times out, the probe finds the instance answering, the retry succeeds.
    await h.clock.tick(1000);
    await slow;
    expect(await keys()).toEqual(['slow']);
    expect(single.stats()).toMatchObject({
      retries: { retried: 1 },
      queue: { rejected: 1, completed: 1 },
      instance: { hangs: 0 },
    });
    await single.close(Deadline.after(h.clock, 0));
  });

  it('names the attempt stage when the deadline runs out during an attempt', async () => {
    h.current.hangNext(/^SELECT 'slow'/);
    const caught = runner.run(op('read', 100), (d) => d.query(`SELECT 'slow'`)).catch((e) => e);
    await h.clock.tick(100);
    const error = await caught;
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error).toMatchObject({ stage: 'attempt' });
    expect(runner.breaker.snapshot().failures).toBe(1);
    // The probe started after the timeout runs on without the caller and finds the instance fine.
    expect(await db.probe(1000)).toBe('healthy');
  });

  it('names the backoff stage when the next backoff would pass the deadline', async () => {
    const patient = make({
      ...OPTIONS,
      retry: { attempts: 3, baseDelayMs: 1000, maxDelayMs: 1000 },
    });
    h.current.failNext(/^INSERT/, 1, sqlStateError('40001'));
    const error = await patient
      .run(op('write', 300), (d) => d.query(UPSERT, ['k', '1']))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error).toMatchObject({ stage: 'backoff' });
    expect(patient.stats().retries).toEqual({ retried: 0, exhausted: 0, stoppedByDeadline: 1 });
    await patient.close(Deadline.after(h.clock, 0));
  });

  it('opens the breaker, fails fast, and a second runner resumes its state', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(h.clock.now());
    try {
      const strict = make({ ...OPTIONS, retry: { attempts: 1 }, breaker: { threshold: 2 } });
      h.current.failNext(/^SELECT 'flaky'/, 2, sqlStateError('08006'));
      let calls = 0;
      const flaky = (r: ResilientRunner): Promise<unknown> =>
        r.run(op('read'), (d) => {
          calls += 1;
          return d.query(`SELECT 'flaky'`);
        });
      for (let i = 0; i < 2; i += 1)
        await expect(flaky(strict)).rejects.toBeInstanceOf(TransientDatabaseError);
      await expect(flaky(strict)).rejects.toMatchObject({ code: 'E_CIRCUIT_OPEN' });
      expect(calls).toBe(2);
      expect(strict.stats().breakers[0]).toMatchObject({ state: 'open', failures: 2 });
      const document: unknown = JSON.parse(JSON.stringify(strict.breaker.toJSON()));
      const resumed = make({ ...OPTIONS, breaker: { threshold: 2 } }, document);
      await expect(flaky(resumed)).rejects.toBeInstanceOf(CircuitOpenError);
      expect(calls).toBe(2);
      h.clock.advance(30_000);
      vi.setSystemTime(h.clock.now());
      await expect(flaky(resumed)).resolves.toMatchObject({ rows: [{}] });
      expect(resumed.breaker.snapshot().state).toBe('closed');
      await Promise.all([strict, resumed].map((r) => r.close(Deadline.after(h.clock, 0))));
    } finally {
      vi.useRealTimers();
    }
  });

  it('recovers from a crash: queued writes continue on the new instance, none is lost', async () => {
    const single = make({ ...OPTIONS, queue: { ...OPTIONS.queue, writeConcurrency: 1 } });
    const before = db.stats().generation;
    for (let i = 0; i < 20; i += 1)
      await single.run(op('write'), (d) => d.query(UPSERT, [`a${i}`, `${i}`]));
    const crashing = h.current;
    crashing.crashNext(/^INSERT/);
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        single.run(op('write'), (d) => d.query(UPSERT, [`b${i}`, `${i}`])),
      ),
    );
    expect(results[0]).toMatchObject({
      status: 'rejected',
      reason: expect.any(InstanceCrashedError),
    });
    expect(results.slice(1).every((r) => r.status === 'fulfilled')).toBe(true);
    expect(h.current).not.toBe(crashing);
    expect(h.current.statements.filter((s) => s.startsWith('INSERT'))).toHaveLength(5);
    expect(await keys()).toEqual([
      ...Array.from({ length: 20 }, (_, i) => `a${i}`).sort(),
      'b1',
      'b2',
      'b3',
      'b4',
      'b5',
    ]);
    expect(db.stats().generation).toBe(before + 1);
    expect(single.stats().retries).toEqual({ retried: 0, exhausted: 0, stoppedByDeadline: 0 });
    expect(single.breaker.snapshot()).toMatchObject({ state: 'closed', failures: 0 });
    await single.close(Deadline.after(h.clock, 0));
  });

  it('recovers from a hang: the attempt times out, the probe replaces the instance, the retry succeeds', async () => {
    for (let i = 0; i < 10; i += 1) await write(`h${i}`, i);
    const { hangs } = db.stats();
    const frozen = h.current.freeze();
    const pending = write('after-hang', 1);
    // Time moves only once the call waits on the frozen instance (its timer is armed by then).
    await turnsUntil(() => frozen.unanswered === 1);
    await h.clock.tick(1000); // the attempt times out; the probe's SELECT 1 hangs as well
    await turnsUntil(() => frozen.unanswered === 2);
    await h.clock.tick(1000); // the probe gives up: the instance is replaced
    await pending;
    expect(await keys()).toHaveLength(11);
    expect(db.stats().hangs).toBe(hangs + 1);
    expect(runner.stats().retries.retried).toBe(1);
  });

  it('runs an exclusive operation alone, between the others', async () => {
    const events: string[] = [];
    const reading = gate();
    const read = runner.run(op('read'), async (d) => {
      await reading.wait;
      events.push('read');
      return d.query('SELECT 1');
    });
    const vacuum = runner.exclusive(op('write', 10_000, 'vacuum'), async (d) => {
      events.push('vacuum');
      await d.exec('VACUUM pgcache_meta');
    });
    const later = write('later', 1).then(() => events.push('write'));
    await h.clock.tick();
    expect(events).toEqual([]);
    reading.open();
    await Promise.all([read, vacuum, later]);
    expect(events).toEqual(['read', 'vacuum', 'write']);
  });

  it('close() refuses new work, lets running work finish and rejects what still waits', async () => {
    const single = make({ ...OPTIONS, queue: { ...OPTIONS.queue, writeConcurrency: 1 } });
    const holding = gate();
    const running = single.run(op('write'), async (d: Database) => {
      await holding.wait;
      return d.query(UPSERT, ['ran', '1']);
    });
    const waiting = single
      .run(op('write'), (d) => d.query(UPSERT, ['waited', '1']))
      .catch((e) => e);
    const closing = single.close(Deadline.after(h.clock, 100));
    expect(single.close(Deadline.after(h.clock, 100))).toBe(closing);
    await expect(single.run(op('read'), (d) => d.query('SELECT 1'))).rejects.toBeInstanceOf(
      ClosedError,
    );
    await expect(single.exclusive(op('write'), (d) => d.exec('VACUUM'))).rejects.toMatchObject({
      code: 'E_CLOSED',
    });
    await h.clock.tick(100);
    expect(await waiting).toBeInstanceOf(ClosedError);
    holding.open();
    await running;
    await closing;
    expect(await keys()).toEqual(['ran']);
  });
});
