import { describe, expect, it } from 'vitest';
import { latencyLine } from '../../../src/cli/render/tier-stats.js';
import type { TierFigures } from '../../../src/tiers/tier-stats.js';

const none = { count: 0, mean: 0, p50: 0, p95: 0, p99: 0, cumulative: [] };

describe('a tier latency line', () => {
  it('says "no lookups" only when the tier had none', () => {
    const t: TierFigures = { hits: 0, misses: 0, latencyMs: none, coldLatencyMs: none };
    expect(latencyLine(t)).toBe('no lookups');
  });

  it('counts untimed lookups as lookups (L1 times 1 in 16)', () => {
    const t: TierFigures = { hits: 0, misses: 5, latencyMs: none, coldLatencyMs: none };
    expect(latencyLine(t)).toBe('none timed yet');
  });

  it("keeps a store's first lookup after an open out of the mean, and says so", () => {
    const t: TierFigures = {
      hits: 3,
      misses: 1,
      latencyMs: { count: 3, mean: 0.5, p50: 0.5, p95: 1, p99: 1, cumulative: [] },
      coldLatencyMs: { count: 1, mean: 42 },
    };
    expect(latencyLine(t)).toBe(
      'latency mean 0.500ms, p50 ≤0.5ms, p95 ≤1ms, p99 ≤1ms; 1 first lookup after an open (cold) mean 42.000ms',
    );
  });
});
