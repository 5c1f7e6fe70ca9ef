/**
 * A burst as an app makes one: 10,000 concurrent sets, then 10,000 concurrent gets, through the
 * store with default settings, against the same burst on raw PGlite (one upsert or select per
 * call, issued all at once) in the same run. Latency is each call's time from the burst's start
 * (every call is meant to start then), so queueing counts. `npx tsx bench/burst.ts [--ops N]`
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createHistogram } from 'node:perf_hooks';
import { openStore } from '../src/store/open-store.js';
import { formatNs } from './render.js';
import { benchDataDir, openRawPGlite } from './support.js';

const { values: args } = parseArgs({ options: { ops: { type: 'string', default: '10000' } } });
const OPS = Number(args.ops);

interface BurstFigures {
  readonly ok: number;
  readonly wallMs: number;
  readonly p50Ns: number;
  readonly p99Ns: number;
  readonly rssGrowthBytes: number;
}

// Run `op(i)` for every i at once; each call's latency counts from the burst's start.
async function burst(op: (i: number) => Promise<unknown>): Promise<BurstFigures> {
  const histogram = createHistogram();
  const base = process.memoryUsage.rss();
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  const start = process.hrtime.bigint();
  const since = (): number => Math.max(1, Number(process.hrtime.bigint() - start));
  const results = await Promise.allSettled(
    Array.from({ length: OPS }, (_, i) =>
      op(i).finally(() => {
        histogram.record(since());
      }),
    ),
  );
  const wallMs = since() / 1e6;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());
  return {
    ok: results.filter((r) => r.status === 'fulfilled').length,
    wallMs,
    p50Ns: histogram.percentile(50),
    p99Ns: histogram.percentile(99),
    rssGrowthBytes: peak - base,
  };
}

const value = (i: number): { i: number; name: string } => ({ i, name: `item ${i}` });
const dirs = await benchDataDir();
const rows: [string, string, BurstFigures][] = [];
try {
  const raw = await openRawPGlite(join(dirs.copy(), 'pgdata'));
  await raw.exec('CREATE TABLE bench_kv (key text PRIMARY KEY, value jsonb NOT NULL)');
  rows.push([
    'raw PGlite',
    'set',
    await burst((i) =>
      raw.query(
        'INSERT INTO bench_kv (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value',
        [`burst:${i}`, JSON.stringify(value(i))],
      ),
    ),
  ]);
  rows.push([
    'raw PGlite',
    'get',
    await burst((i) => raw.query('SELECT value FROM bench_kv WHERE key = $1', [`burst:${i}`])),
  ]);
  await raw.close();

  const store = await openStore({ dataDir: dirs.copy() });
  rows.push(['pgcache', 'set', await burst((i) => store.set(`burst:${i}`, value(i)))]);
  rows.push(['pgcache', 'get', await burst((i) => store.get(`burst:${i}`))]);
  const { queue } = store.runnerStats();
  await store.close();

  const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MB`;
  console.log(`burst of ${OPS.toLocaleString('en')} concurrent calls, then as many gets`);
  console.log('case        op   ok              wall       p50       p99  RSS growth  × raw wall');
  for (const [name, op, f] of rows) {
    const floor = rows.find(([n, o]) => n === 'raw PGlite' && o === op)?.[2];
    const ratio = floor === undefined ? '' : `${(f.wallMs / floor.wallMs).toFixed(2)}×`;
    console.log(
      [
        name.padEnd(11),
        op.padEnd(4),
        `${f.ok}/${OPS}`.padEnd(11),
        `${f.wallMs.toFixed(0)} ms`.padStart(8),
        formatNs(f.p50Ns).padStart(9),
        formatNs(f.p99Ns).padStart(9),
        mb(f.rssGrowthBytes).padStart(11),
        ratio.padStart(11),
      ].join(' '),
    );
  }
  console.log(`pgcache queue: peak ${queue.peakPending} waiting, ${queue.rejected} rejected`);
} finally {
  dirs.cleanup();
}
