import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { isPgcacheError } from '../../src/errors/index.js';
import { Deadline } from '../../src/resilience/deadline.js';
import { openSupervisedDatabase } from '../../src/resilience/instance-supervisor.js';
import { ResilientRunner } from '../../src/resilience/operation-runner.js';
import { copyTemplateDataDir } from '../support/data-dir.js';
import { sqlStateError } from '../support/faulty-database.js';
import { InstanceHarness } from '../support/instance-harness.js';

const OPERATIONS = 5000;
const MAX_LENGTH = 2000;
const UPSERT = `INSERT INTO pgcache_meta (key, value, updated_at) VALUES ($1, $2::jsonb, now())
  ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()`;
const COUNT_WRITE = `INSERT INTO pgcache_counters (name, value) VALUES ('writes', 1)
  ON CONFLICT (name) DO UPDATE SET value = pgcache_counters.value + 1`;

type Kind = 'write' | 'tx-write' | 'read' | 'flaky-read';

// Every third operation writes (every fifth of those in a transaction with a counter); one read
// in ten is "flaky": it fails once with a serialization failure before it succeeds.
function kindOf(i: number): Kind {
  if (i % 3 === 0) return i % 15 === 0 ? 'tx-write' : 'write';
  return i % 10 === 1 ? 'flaky-read' : 'read';
}

function operation(i: number, kind: Kind): (db: Database) => Promise<unknown> {
  switch (kind) {
    case 'write':
      return (db) => db.query(UPSERT, [`k${i}`, JSON.stringify(i)]);
    case 'tx-write':
      return (db) =>
        db.transaction(async (tx) => {
          await tx.query(UPSERT, [`k${i}`, JSON.stringify(i)]);
          await tx.query(COUNT_WRITE);
        });
    case 'read':
      return (db) => db.query(`SELECT value FROM pgcache_meta WHERE key = $1`, [`k${i - 1}`]);
    case 'flaky-read':
      return (db) =>
        db.query(`SELECT value FROM pgcache_meta WHERE key = $1 /* flaky */`, [`k${i}`]);
  }
}

describe('ResilientRunner under load', () => {
  it('runs 5,000 concurrent mixed operations through a crash with every failure explained', async () => {
    const h = new InstanceHarness(join(copyTemplateDataDir(), 'pgdata'));
    const db = await openSupervisedDatabase({ open: () => h.open(), clock: h.clock });
    const runner = new ResilientRunner(
      {
        operationTimeoutMs: 5000,
        queue: {
          readConcurrency: 10,
          writeConcurrency: 5,
          maxLength: MAX_LENGTH,
          waitTimeoutMs: 2000,
          // No loop turns: which calls are in flight at the crash stays the same on every run.
          loopTurnEveryMs: Infinity,
        },
        retry: { attempts: 3, baseDelayMs: 0, maxDelayMs: 0 },
        breaker: { threshold: 5, halfOpenAfterMs: 30_000 },
      },
      { database: db, clock: h.clock, random: () => 0 },
    );
    try {
      // Faults on the first instance only: flaky reads fail once, and the 300th INSERT crashes it.
      h.current.failFirst(/flaky/, sqlStateError('40001')).crashNext(/^INSERT/, 1, 299);
      const kinds = Array.from({ length: OPERATIONS }, (_, i) => kindOf(i));
      // The clock never moves, so no wait or attempt times out: every outcome is scripted.
      const outcomes = await Promise.allSettled(
        kinds.map((kind, i) =>
          runner.run(
            {
              kind: kind.endsWith('read') ? 'read' : 'write',
              name: kind,
              deadline: Deadline.after(h.clock, 60_000),
            },
            operation(i, kind),
          ),
        ),
      );

      const codes = new Map<string, number>();
      for (const outcome of outcomes) {
        if (outcome.status === 'fulfilled') continue;
        const code = isPgcacheError(outcome.reason) ? outcome.reason.code : String(outcome.reason);
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
      const reads = kinds.filter((k) => k.endsWith('read')).length;
      const queueFull = reads - (10 + MAX_LENGTH); // every write fits in its queue
      expect(Object.fromEntries(codes)).toEqual({
        E_QUEUE_FULL: queueFull,
        E_INSTANCE_CRASHED: 1,
      });

      // Every acknowledged write is there after the crash and the reopen.
      const { rows } = await db.query<{ key: string; value: number }>(
        `SELECT key, value FROM pgcache_meta`,
      );
      const stored = new Map(rows.map((r) => [r.key, r.value]));
      const acknowledged = kinds
        .map((kind, i) => ({ kind, i, ok: outcomes[i]?.status === 'fulfilled' }))
        .filter(({ kind, ok }) => ok && kind.endsWith('write'));
      expect(acknowledged.length).toBe(kinds.filter((k) => k.endsWith('write')).length - 1);
      expect(acknowledged.filter(({ i }) => stored.get(`k${i}`) !== i)).toEqual([]);
      const counter = await db.query<{ value: string }>(
        `SELECT value FROM pgcache_counters WHERE name = 'writes'`,
      );
      // At least once: a transaction cut short by the restart may have committed before it.
      const txWrites = acknowledged.filter(({ kind }) => kind === 'tx-write').length;
      expect(Number(counter.rows[0]?.value)).toBeGreaterThanOrEqual(txWrites);

      const stats = runner.stats();
      expect(stats.queue).toMatchObject({
        pending: 0,
        active: 0,
        rejected: queueFull,
        completed: OPERATIONS - queueFull - 1,
        failed: 1,
      });
      // Each scripted serialization failure and each call cut short by the restart was retried.
      const [first] = h.instances;
      const serializationFailures = (first?.failed ?? 0) - 1; // less the crash
      expect(serializationFailures).toBeGreaterThan(0);
      expect(stats.instance?.failedInFlight).toBeGreaterThan(0);
      expect(stats.retries).toEqual({
        retried: serializationFailures + (stats.instance?.failedInFlight ?? 0),
        exhausted: 0,
        stoppedByDeadline: 0,
      });
      expect(stats.breakers[0]).toMatchObject({ state: 'closed' });
      expect(stats.instance).toMatchObject({ state: 'open', generation: 2, crashes: 1, hangs: 0 });
      expect(h.overlaps).toBe(0);
    } finally {
      await runner.close(Deadline.after(h.clock, 0));
      await db.close();
      await h.closeAll();
    }
  });
});
