// The workload every case runs: single-key get, set, or a 90/10 mix of them, of JSON values of a
// fixed size over a fixed key space, keys chosen by a seeded generator (the same sequence for
// every case), at a given concurrency for a fixed time, latency of each operation recorded in
// nanoseconds.
import { isDeepStrictEqual } from 'node:util';
import { createHistogram } from 'node:perf_hooks';
import type { CaseDriver } from './case.js';
import { seededRandom } from '../src/stress/load/random.js';

/** The operations measured: `mix` is 9 gets then 1 set, over and over. */
export type Operation = 'get' | 'set' | 'mix';

/** The fixed key space and its values. */
export interface KeySpace {
  readonly keys: readonly string[];
  readonly values: readonly unknown[];
  /** Key indexes in a seeded random order; operation `i` uses `order[i % order.length]`. */
  readonly order: Uint16Array;
}

/** What one measurement of one case gave. */
export interface Sample {
  readonly ops: number;
  readonly opsPerSec: number;
  readonly p50Ns: number;
  readonly p99Ns: number;
}

/** Build `count` keys with a ~`valueBytes` JSON value each and a seeded key order. */
export function keySpace(
  count: number,
  valueBytes: number,
  seed: number,
  prefix = 'bench:item-',
): KeySpace {
  const keys = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  const values = keys.map((_, i) => jsonValue(i, valueBytes));
  const random = seededRandom(seed);
  const order = Uint16Array.from({ length: 1 << 16 }, () => Math.floor(random() * count));
  return { keys, values, order };
}

/** A JSON object whose compact form is exactly `bytes` long (at least ~100). */
export function jsonValue(id: number, bytes: number): unknown {
  const value = {
    id,
    name: `item ${id}`,
    tags: ['bench', `group-${id % 7}`],
    price: Math.round(id * 1.37 * 100) / 100,
    updatedAt: '2026-01-01T00:00:00.000Z',
    body: '',
  };
  value.body = 'x'.repeat(Math.max(0, bytes - JSON.stringify(value).length));
  return value;
}

/** Write every key, then check that a few read back equal (a wrong case must not be timed). */
export async function seed(driver: CaseDriver, space: KeySpace, caseName: string): Promise<void> {
  for (const [i, key] of space.keys.entries()) await driver.set(key, space.values[i]);
  for (const i of [0, 1, space.keys.length - 1]) {
    const got = await driver.get(space.keys[i] as string);
    if (!isDeepStrictEqual(got, space.values[i])) {
      throw new Error(`${caseName}: get(${space.keys[i]}) returned ${JSON.stringify(got)}`);
    }
  }
  const absent = await driver.get('bench:absent');
  if (absent !== undefined) throw new Error(`${caseName}: an absent key returned a value`);
}

/**
 * Run `operation` on `driver` from `concurrency` callers in a closed loop for `durationMs`;
 * every caller takes the next operation index, so every case sees the same key sequence.
 * Throughput includes the driver's `settle()`; latencies are those of the operations alone.
 */
export async function measure(
  driver: CaseDriver,
  space: KeySpace,
  operation: Operation,
  concurrency: number,
  durationMs: number,
): Promise<Sample> {
  const histogram = createHistogram();
  const call = operationOf(driver, space, operation);
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(durationMs * 1e6));
  let next = 0;
  const caller = async (): Promise<void> => {
    for (;;) {
      const began = process.hrtime.bigint();
      if (began >= end) return;
      await call(next++);
      histogram.record(Math.max(1, Number(process.hrtime.bigint() - began)));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, caller));
  await driver.settle?.();
  const elapsedNs = Number(process.hrtime.bigint() - start);
  return {
    ops: histogram.count,
    opsPerSec: (histogram.count / elapsedNs) * 1e9,
    p50Ns: histogram.percentile(50),
    p99Ns: histogram.percentile(99),
  };
}

function operationOf(
  driver: CaseDriver,
  space: KeySpace,
  operation: Operation,
): (i: number) => Promise<unknown> {
  const { keys, values, order } = space;
  const mask = order.length - 1;
  switch (operation) {
    case 'get':
      return (i) => driver.get(keys[order[i & mask] as number] as string);
    case 'set':
      return (i) => {
        const k = order[i & mask] as number;
        return driver.set(keys[k] as string, values[k]);
      };
    case 'mix':
      return (i) => {
        const k = order[i & mask] as number;
        return i % 10 === 9
          ? driver.set(keys[k] as string, values[k])
          : driver.get(keys[k] as string);
      };
  }
}
