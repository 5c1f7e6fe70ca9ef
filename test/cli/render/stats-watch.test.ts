import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { watchSample } from '../../../src/cli/render/stats-watch.js';
import type { StatsReport } from '../../../src/operations/stats-report.js';

// The stats document serve answers with (its golden copy), with concrete figures where the
// golden one has placeholders: the owner, uptime, and the tiers' counts.
const base = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../../fixtures/documents/http-stats.json'), 'utf8'),
) as StatsReport;
const sample = (uptimeMs: number, l1?: { hits: number; misses: number }): StatsReport =>
  ({
    ...base,
    owner: { ...base.owner, pid: 42, startedAt: '2026-12-04T10:00:00.000Z', uptimeMs },
    tiers:
      l1 === undefined
        ? null
        : {
            l1: { ...l1, latencyMs: null, coldLatencyMs: null },
            l2: { hits: 0, misses: 0, latencyMs: null, coldLatencyMs: null },
            l3: { hits: 0, misses: 0, latencyMs: null, coldLatencyMs: null },
          },
  }) as unknown as StatsReport;

describe('stats --watch samples', () => {
  it('the first line is since the start; later ones cover their interval', () => {
    const first = watchSample(undefined, sample(10_000, { hits: 90, misses: 10 }));
    expect(first.hitPercent.l1).toBe(90);
    const next = watchSample(
      sample(10_000, { hits: 90, misses: 10 }),
      sample(11_000, { hits: 91, misses: 19 }),
    );
    expect(next.seconds).toBe(1);
    expect(next.hitPercent.l1).toBe(10);
  });

  it('after a sample without tier figures (the session was held), no ratio rather than the lifetime one', () => {
    const after = watchSample(sample(10_000), sample(11_000, { hits: 90, misses: 10 }));
    expect(after.hitPercent).toEqual({ l1: null, l2: null, l3: null });
    const held = watchSample(sample(10_000, { hits: 90, misses: 10 }), sample(11_000));
    expect(held.hitPercent.l1).toBeNull();
  });
});
