import { describe, expect, it } from 'vitest';
import { LatencyStats } from '../../src/resilience/latency-stats.js';

describe('LatencyStats', () => {
  it('reports zeros before anything is recorded', () => {
    expect(new LatencyStats().summary()).toEqual({ count: 0, mean: 0, p95: 0, p99: 0, max: 0 });
  });

  it('gives the exact mean and percentiles to three significant figures', () => {
    const stats = new LatencyStats();
    for (let ms = 1; ms <= 100; ms += 1) stats.record(ms);
    const summary = stats.summary();
    expect(summary.count).toBe(100);
    expect(summary.mean).toBe(50.5);
    expect(Math.abs(summary.p95 - 95)).toBeLessThan(0.1);
    expect(Math.abs(summary.p99 - 99)).toBeLessThan(0.1);
    expect(summary.max).toBe(100);
  });

  it('keeps sub-millisecond durations and counts zero, negative and NaN as zero', () => {
    const stats = new LatencyStats();
    stats.record(0.25);
    stats.record(0);
    stats.record(-3);
    stats.record(Number.NaN);
    const summary = stats.summary();
    expect(summary.count).toBe(4);
    expect(summary.mean).toBeCloseTo(0.0625, 6);
    expect(summary.max).toBe(0.25);
  });

  it('forgets everything on reset', () => {
    const stats = new LatencyStats();
    stats.record(5);
    stats.reset();
    expect(stats.summary().count).toBe(0);
  });
});
