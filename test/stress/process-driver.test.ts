import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { ProcessDriver } from '../../src/stress/load/process-driver.js';
import { ScenarioRecorder } from '../../src/stress/load/recorder.js';
import type {
  FromWorker,
  ToWorker,
  WorkerChannel,
  WorkerPlan,
} from '../../src/stress/load/worker-protocol.js';

/**
 * A worker at the other end of the IPC channel, played by the test: it answers `run` with
 * `armed`, and `go` with one batch of `ok` reads and `done` with `counters`. The real worker
 * process is exercised by test/bin/stress-load-bin.test.ts; this pins what the parent does with
 * what workers report.
 */
function scriptedWorker(
  pid: number,
  ok: number,
  counters: { retried: number; restarts: number },
  behaviour: 'finishes' | 'fails' | 'runs until stopped' = 'finishes',
): WorkerChannel & { plans: WorkerPlan[]; received: ToWorker['type'][] } {
  let handler: (message: FromWorker) => void = () => undefined;
  const plans: WorkerPlan[] = [];
  const received: ToWorker['type'][] = [];
  const reply = (message: FromWorker): void => queueMicrotask(() => handler(message));
  return {
    pid,
    plans,
    received,
    exited: new Promise<string>(() => undefined),
    onMessage: (next) => (handler = next),
    send: (message: ToWorker) => {
      received.push(message.type);
      if (message.type === 'run') {
        plans.push(message.plan);
        reply({ type: 'armed' });
      } else if (message.type === 'go') {
        reply({ type: 'measuring' });
        const read = Array.from({ length: ok }, () => 1_000_000);
        const batch = { read, write: [], other: [], failures: {}, slip: [], late: 0 };
        reply({ type: 'batch', batch });
        if (behaviour === 'fails') {
          reply({ type: 'failed', error: { code: 'E_STORE_UNAVAILABLE', message: 'gone' } });
        } else if (behaviour === 'finishes') {
          reply({ type: 'done', stoppedBy: 'ops', counters });
        }
      } else if (message.type === 'stop' && behaviour === 'runs until stopped') {
        reply({ type: 'done', stoppedBy: 'aborted', counters });
      }
    },
  };
}

describe('ProcessDriver', () => {
  it("merges the workers' samples and sums the retries and restarts they report", async () => {
    const workers = [
      scriptedWorker(101, 30, { retried: 2, restarts: 0 }),
      scriptedWorker(102, 20, { retried: 5, restarts: 1 }),
    ];
    const { config } = loadConfig({ cwd: '/nonexistent', readConfigFile: false });
    const driver = new ProcessDriver(workers, { config, operationBudgetMs: 1000 });
    const recorder = new ScenarioRecorder();
    let t = 0;
    const result = await driver.drive(
      {
        shape: { model: 'closed', concurrency: 4, ops: 50 },
        workload: { options: {}, seed: 7, prefix: 'stress:t:' },
      },
      undefined,
      recorder,
      { now: () => (t += 1_000_000) },
    );
    expect(result.stoppedBy).toBe('ops');
    expect(result.counters).toEqual({ retried: 7, restarts: 1 });
    expect(result.detail).toEqual({
      kind: 'processes',
      workers: [
        { pid: 101, attempted: 30, succeeded: 30, stoppedBy: 'ops' },
        { pid: 102, attempted: 20, succeeded: 20, stoppedBy: 'ops' },
      ],
    });
    expect(recorder.succeeded).toBe(50);
    // Each worker got its share of the callers and operations, and a seed of its own.
    expect(workers.map((w) => w.plans[0]?.shape)).toEqual([
      { model: 'closed', concurrency: 2, ops: 25 },
      { model: 'closed', concurrency: 2, ops: 25 },
    ]);
    expect(workers[0]?.plans[0]?.workload.seed).not.toBe(workers[1]?.plans[0]?.workload.seed);
  });

  it('stops the other workers when one fails, and rejects with its error', async () => {
    const failing = scriptedWorker(201, 5, { retried: 0, restarts: 0 }, 'fails');
    const running = scriptedWorker(202, 5, { retried: 0, restarts: 0 }, 'runs until stopped');
    const { config } = loadConfig({ cwd: '/nonexistent', readConfigFile: false });
    const driver = new ProcessDriver([failing, running], { config, operationBudgetMs: 1000 });
    let t = 0;
    const driving = driver.drive(
      {
        shape: { model: 'closed', concurrency: 2, durationMs: 60_000 },
        workload: { options: {}, seed: 7, prefix: 'stress:t:' },
      },
      undefined,
      new ScenarioRecorder(),
      { now: () => (t += 1_000_000) },
    );
    await expect(driving).rejects.toMatchObject({ code: 'E_STORE_UNAVAILABLE' });
    expect(running.received).toEqual(['run', 'go', 'stop']);
  });
});
