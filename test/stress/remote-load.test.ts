import { describe, expect, it } from 'vitest';
import { tuningEnv } from '../../src/stress/load/stress-serve.js';
import { errorCodeOf } from '../../src/stress/load/http-driver.js';
import { splitShape } from '../../src/stress/load/process-driver.js';
import { ScenarioRecorder } from '../../src/stress/load/recorder.js';
import { mergeBatch, StreamingRecorder } from '../../src/stress/load/sample-stream.js';
import { remoteUnsupported } from '../../src/stress/load/source-needs.js';

describe('splitting a load between worker processes', () => {
  it('closed model: callers and operations split evenly, duration and warm-up shared', () => {
    const shares = splitShape({ model: 'closed', concurrency: 10, ops: 2001, warmupMs: 5 }, 4);
    expect(shares.map((s) => s?.model === 'closed' && [s.concurrency, s.ops, s.warmupMs])).toEqual([
      [3, 601, 5],
      [3, 600, 5],
      [2, 400, 5],
      [2, 400, 5],
    ]);
  });

  it('a sequential load stays one caller in the first worker; a duration-only load keeps it', () => {
    expect(splitShape({ model: 'closed', concurrency: 1, ops: 100 }, 3)).toEqual([
      { model: 'closed', concurrency: 1, ops: 100 },
      undefined,
      undefined,
    ]);
    expect(splitShape({ model: 'closed', concurrency: 2, durationMs: 1000 }, 2)).toEqual([
      { model: 'closed', concurrency: 1, durationMs: 1000, ops: undefined },
      { model: 'closed', concurrency: 1, durationMs: 1000, ops: undefined },
    ]);
  });

  it('open model: the rate and the most in flight split, each worker keeps its own schedule', () => {
    expect(splitShape({ model: 'open', ratePerSec: 300, ops: 900, maxInFlight: 100 }, 3)).toEqual(
      Array.from({ length: 3 }, () => ({
        model: 'open',
        ratePerSec: 100,
        ops: 300,
        maxInFlight: 34,
      })),
    );
  });
});

describe('merging what workers measured', () => {
  it('the parent records every raw sample and failure: figures as exact as one recorder', () => {
    const worker = new StreamingRecorder();
    const alone = new ScenarioRecorder();
    const samples = [1.2e6, 3.4e6, 250e6, 0.7e6, 12e6];
    samples.forEach((ns, i) => {
      worker.success(i % 2 === 0 ? 'read' : 'write', ns);
      alone.success(i % 2 === 0 ? 'read' : 'write', ns);
    });
    worker.fail('E_QUEUE_FULL');
    worker.slip.record(2e6);
    worker.late += 1;
    const parent = new ScenarioRecorder();
    const first = worker.take();
    expect(first).toMatchObject({ failures: { E_QUEUE_FULL: 1 }, slip: [2e6], late: 1 });
    mergeBatch(parent, first ?? expect.fail('a batch'));
    expect(worker.take()).toBeUndefined(); // nothing new
    worker.success(undefined, 5e6);
    mergeBatch(parent, worker.take() ?? expect.fail('a batch'));

    expect(parent).toMatchObject({ attempted: 7, succeeded: 6, failed: 1, late: 1 });
    expect(Object.fromEntries(parent.errors)).toEqual({ E_QUEUE_FULL: 1 });
    expect(parent.byType('read').snapshot()).toEqual(alone.byType('read').snapshot());
    expect(parent.byType('write').snapshot()).toEqual(alone.byType('write').snapshot());
    expect(parent.latency.snapshot().max).toBe(250);
    expect(parent.slip.snapshot().count).toBe(1);
  });
});

describe('what each load source can run', () => {
  it('names why a scenario cannot run from processes or over HTTP', () => {
    const processes = { kind: 'processes', flag: '--processes 4' } as const;
    const http = { kind: 'http', flag: '--http', serve: { startedByRun: true, pid: 7 } } as const;
    const foreign = { ...http, serve: { startedByRun: false, pid: 42 } };
    expect(remoteUnsupported(processes, 'this-process')).toMatch(/here child processes run it/);
    expect(remoteUnsupported(processes, 'own-queue')).toMatch(/each worker process queues/);
    expect(remoteUnsupported(processes, 'tuned-queue')).toBeUndefined();
    expect(remoteUnsupported(http, 'own-queue')).toMatch(/before they reach its queue/);
    expect(remoteUnsupported(http, 'tuned-queue')).toBeUndefined();
    expect(remoteUnsupported(foreign, 'tuned-queue')).toMatch(/serve pid 42 was running before/);
  });

  it("a scenario's queue reaches serve through its environment; HTTP errors keep their code", () => {
    expect(tuningEnv({ queue: { readConcurrency: 2, maxLength: 16, waitTimeoutMs: 250 } })).toEqual(
      {
        PGCACHE_READ_CONCURRENCY: '2',
        PGCACHE_QUEUE_MAX_LENGTH: '16',
        PGCACHE_QUEUE_WAIT_TIMEOUT: '250ms',
      },
    );
    expect(tuningEnv(undefined)).toEqual({});
    expect(errorCodeOf('{"error":{"code":"E_QUEUE_FULL","message":"full"}}', 503)).toBe(
      'E_QUEUE_FULL',
    );
    expect(errorCodeOf('<html>bad gateway</html>', 502)).toBe('E_HTTP_502');
  });
});
