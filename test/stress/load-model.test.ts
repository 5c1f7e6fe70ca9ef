import { describe, expect, it, vi } from 'vitest';
import type { Clock } from '../../src/clock.js';
import { QueueFullError, TransientDatabaseError } from '../../src/errors/index.js';
import { LatencyHistogram } from '../../src/stress/load/latency-histogram.js';
import { drive, type LoadOp, type LoadShape } from '../../src/stress/load/load-model.js';
import { ScenarioRecorder } from '../../src/stress/load/recorder.js';
import { applyOverrides, mergeWorkload } from '../../src/stress/load/overrides.js';
import { Workload } from '../../src/stress/load/workload.js';

/** Time that only moves when an operation "takes" time or the schedule sleeps (no real waiting). */
function virtualTime() {
  let ns = 0;
  const clock: Clock = {
    now: () => ns / 1e6,
    setTimer(ms, fn) {
      ns += ms * 1e6;
      setImmediate(fn);
      return { cancel: () => undefined };
    },
  };
  return {
    clock,
    now: () => ns,
    /** An operation that takes `ms` of virtual time. */
    takes: (ms: number): LoadOp => ({
      type: 'read',
      run: async () => {
        ns += ms * 1e6;
      },
    }),
  };
}

const yieldToLoop = () => Promise.resolve();

describe('load models', () => {
  it('closed: counts outcomes by error code and stops after the ops bound', async () => {
    const time = virtualTime();
    const recorder = new ScenarioRecorder();
    let i = 0;
    const next = (): LoadOp => {
      i += 1;
      if (i % 5 === 0)
        return { type: 'write', run: () => Promise.reject(new QueueFullError('full')) };
      if (i % 7 === 0) return { type: 'read', run: () => Promise.reject(new Error('raw')) };
      return time.takes(2);
    };
    const reason = await drive({ model: 'closed', concurrency: 3, ops: 35 }, next, recorder, {
      ...time,
      yieldToLoop,
    });
    expect(reason).toBe('ops');
    expect(recorder).toMatchObject({ attempted: 35, succeeded: 24, failed: 11 });
    expect(Object.fromEntries(recorder.errors)).toEqual({ E_QUEUE_FULL: 7, E_INTERNAL: 4 });
    expect(recorder.byType('read').count).toBe(24);
  });

  it('closed: the warm-up is run but not recorded, and a duration bound ends the load', async () => {
    const time = virtualTime();
    const recorder = new ScenarioRecorder();
    let measuring = 0;
    const reason = await drive(
      { model: 'closed', concurrency: 1, durationMs: 100, warmupMs: 50 },
      () => time.takes(10),
      recorder,
      { ...time, yieldToLoop, onMeasuring: () => (measuring += 1) },
    );
    expect(reason).toBe('duration');
    expect(measuring).toBe(1);
    expect(recorder.attempted).toBe(10);
    expect(recorder.windowMs(time.now())).toBe(100);
  });

  it('closed: bails out after the given number of failures', async () => {
    const time = virtualTime();
    const recorder = new ScenarioRecorder();
    const failing: LoadOp = {
      type: 'write',
      run: () => Promise.reject(new TransientDatabaseError('busy', '40001')),
    };
    const reason = await drive(
      { model: 'closed', concurrency: 1, ops: 1000 },
      () => failing,
      recorder,
      {
        ...time,
        yieldToLoop,
        bailAfterFailures: 25,
      },
    );
    expect(reason).toBe('bailout');
    expect(recorder.errors.get('E_DATABASE_BUSY')).toBe(25);
    // By default: once over half of at least 1,000 operations failed (a store that is down).
    const again = new ScenarioRecorder();
    const deps = { ...time, yieldToLoop };
    expect(
      await drive({ model: 'closed', concurrency: 1, ops: 5000 }, () => failing, again, deps),
    ).toBe('bailout');
    expect(again.attempted).toBe(1000);
  });

  it('open: latency counts from the intended start, so a stall shows (no coordinated omission)', async () => {
    // One operation every 10ms, each taking 1ms of a single server's time; the 10th stalls 300ms.
    const run = async (shape: LoadShape) => {
      const time = virtualTime();
      const recorder = new ScenarioRecorder();
      let i = 0;
      const next = (): LoadOp => time.takes((i += 1) === 10 ? 300 : 1);
      expect(await drive(shape, next, recorder, { ...time, yieldToLoop })).toBe('ops');
      return recorder;
    };
    const closed = await run({ model: 'closed', concurrency: 1, ops: 50 });
    const open = await run({ model: 'open', ratePerSec: 100, ops: 50 });
    // The closed loop waits for the stall and hides it: one slow operation, the rest fast.
    expect(closed.latency.snapshot().p90).toBeCloseTo(1, 2);
    expect(closed.latency.snapshot().max).toBe(300);
    // Measured from their intended start, the ~30 operations due during the stall all show it.
    expect(open.succeeded).toBe(50);
    expect(open.late).toBeGreaterThanOrEqual(25);
    expect(open.latency.snapshot().p50).toBeGreaterThan(50);
    expect(open.latency.snapshot().max).toBeGreaterThanOrEqual(300);
    expect(open.slip.snapshot().max).toBeGreaterThanOrEqual(280);
  });

  it('open: drops what does not fit in flight, counted as failures', async () => {
    const time = virtualTime();
    const recorder = new ScenarioRecorder();
    const never: LoadOp = { type: 'read', run: () => new Promise(() => undefined) };
    let started = 0;
    const pending = drive(
      { model: 'open', ratePerSec: 1000, ops: 20, maxInFlight: 5 },
      () => ((started += 1), never),
      recorder,
      time,
    );
    // Wait for the schedule to run out (polling, not a fixed sleep: the machine may be loaded).
    await vi.waitFor(() => expect(recorder.errors.get('E_DROPPED')).toBe(15), { timeout: 10_000 });
    expect(started).toBe(5);
    expect(recorder.attempted).toBe(15);
    void pending;
  });

  it('needs a bound', async () => {
    const time = virtualTime();
    await expect(
      drive({ model: 'closed', concurrency: 1 }, () => time.takes(1), new ScenarioRecorder(), time),
    ).rejects.toThrow(/needs `ops` or `durationMs`/);
  });

  it('overrides apply only where a scenario allows them; --rate switches to the open model', () => {
    const base = { model: 'closed', concurrency: 10, ops: 2000 } as const;
    const all = ['concurrency', 'ratePerSec', 'ops', 'durationMs', 'warmupMs'] as const;
    expect(applyOverrides(base, { durationMs: 30_000 }, all)).toEqual({
      model: 'closed',
      concurrency: 10,
      ops: undefined,
      durationMs: 30_000,
      warmupMs: undefined,
    });
    expect(applyOverrides(base, { ratePerSec: 500, concurrency: 64 }, all)).toEqual({
      model: 'open',
      ratePerSec: 500,
      maxInFlight: 64,
      ops: 2000,
      durationMs: undefined,
      warmupMs: undefined,
    });
    expect(applyOverrides(base, { concurrency: 64, ratePerSec: 500 }, ['ops'])).toEqual({
      ...base,
      durationMs: undefined,
      warmupMs: undefined,
    });
  });
});

describe('workload and histogram', () => {
  it('workload flags: keys, distribution and sizes everywhere, the read share only where reads and writes mix', () => {
    const run = { readRatio: 0.5, distribution: 'uniform', keys: 10 } as const;
    expect(mergeWorkload({ keys: 100, readRatio: 0 }, run)).toEqual({
      keys: 10,
      readRatio: 0,
      distribution: 'uniform',
    });
    expect(mergeWorkload({ keys: 100, readRatio: 0.8 }, run)).toEqual({
      keys: 10,
      readRatio: 0.5,
      distribution: 'uniform',
    });
    expect(mergeWorkload({ keys: 100 }, {})).toEqual({ keys: 100 });
  });

  it('a seeded workload repeats exactly; zipf makes the first keys hot; sizes stay in range', () => {
    const make = (seed: number) =>
      new Workload(
        { keys: 100, readRatio: 0.7, valueBytes: { min: 100, max: 200 } },
        { seed, prefix: 'stress:t:' },
      );
    const ops = (w: Workload) => Array.from({ length: 500 }, () => w.next());
    expect(ops(make(7))).toEqual(ops(make(7)));
    expect(ops(make(7))).not.toEqual(ops(make(8)));
    const sample = ops(make(7));
    const hot = sample.filter((op) => op.key === 'stress:t:0').length;
    const cold = sample.filter((op) => op.key === 'stress:t:99').length;
    expect(hot).toBeGreaterThan(cold * 5);
    const reads = sample.filter((op) => op.type === 'read').length;
    expect(reads).toBeGreaterThan(300);
    expect(reads).toBeLessThan(400);
    for (const op of sample) {
      if (op.type === 'write') expect(JSON.stringify(op.value).length).toBeGreaterThanOrEqual(100);
      if (op.type === 'write') expect(JSON.stringify(op.value).length).toBeLessThanOrEqual(200);
    }
  });

  it('the histogram records nanoseconds and reports milliseconds, with a log-scale distribution', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i += 1) h.record(i * 1000); // 1µs … 1ms
    const s = h.snapshot();
    expect(s.count).toBe(1000);
    expect(s.p50).toBeCloseTo(0.5, 2);
    expect(s.p99).toBeCloseTo(0.99, 2);
    expect(s.max).toBe(1);
    expect(s.mean).toBeCloseTo(0.5005, 6);
    const buckets = h.buckets();
    expect(buckets.reduce((n, b) => n + b.count, 0)).toBe(1000);
    expect(buckets.at(-1)?.upToMs).toBeCloseTo(1.024, 6); // bars are powers of √2 from 1µs
  });
});
