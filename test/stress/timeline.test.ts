import { describe, expect, it } from 'vitest';
import { ScenarioRecorder } from '../../src/stress/load/recorder.js';
import { TimelineRecorder } from '../../src/stress/load/timeline.js';

const MS = 1e6;

describe('TimelineRecorder', () => {
  it('counts outcomes per bucket from the start of the window, with latency percentiles and the exact max', () => {
    const timeline = new TimelineRecorder({ bucketMs: 100, maxBuckets: 10 });
    timeline.start(1000 * MS);
    for (let i = 1; i <= 100; i += 1) timeline.success(1010 * MS, i * MS); // 1..100 ms
    timeline.failure(1250 * MS);
    timeline.success(1250 * MS, 4 * MS);
    const { bucketMs, points } = timeline.snapshot();
    expect(bucketMs).toBe(100);
    expect(points.map((p) => [p.atMs, p.ok, p.failed])).toEqual([
      [0, 100, 0],
      [100, 0, 0],
      [200, 1, 1],
    ]);
    const [first, empty] = points;
    // Four bars per doubling: within 19% of the true percentile, never above the max.
    expect(first?.p50).toBeGreaterThanOrEqual(50);
    expect(first?.p50).toBeLessThan(50 * 1.19);
    expect(first?.p99).toBeGreaterThanOrEqual(99);
    expect(first?.p99).toBeLessThanOrEqual(100);
    expect(first?.max).toBe(100);
    expect(empty).toMatchObject({ ok: 0, p50: null, p95: null, p99: null, max: null });
  });

  it('keeps at most maxBuckets: neighbours merge and buckets double, counts kept', () => {
    const timeline = new TimelineRecorder({ bucketMs: 10, maxBuckets: 4 });
    timeline.start(0);
    for (let ms = 0; ms < 100; ms += 1) timeline.success(ms * MS, 1 * MS);
    timeline.failure(99 * MS);
    const { bucketMs, points } = timeline.snapshot();
    expect(bucketMs).toBe(40);
    expect(points.map((p) => p.ok)).toEqual([40, 40, 20]);
    expect(points.reduce((n, p) => n + p.failed, 0)).toBe(1);
  });

  it('a recorder records a timeline only when given the run clock', () => {
    let now = 0;
    const clocked = new ScenarioRecorder({ now: () => now, timeline: { bucketMs: 10 } });
    clocked.begin(0);
    now = 5 * MS;
    clocked.success('read', 5 * MS);
    now = 15 * MS;
    clocked.fail('E_QUEUE_FULL');
    expect(clocked.timeline().points.map((p) => [p.ok, p.failed])).toEqual([
      [1, 0],
      [0, 1],
    ]);
    const plain = new ScenarioRecorder();
    plain.success('read', 5 * MS);
    expect(plain.timeline()).toEqual({ bucketMs: 0, points: [] });
  });
});
