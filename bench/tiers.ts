// Hit latency of the tiers against their bare peers, measured in one run with interleaved rounds:
// an L1 hit against a bare lru-cache get, an L2 hit against a bare PGlite select.
//   npx tsx bench/tiers.ts [--memory-ops 200000] [--db-ops 5000] [--rounds 7]
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LRUCache } from 'lru-cache';
import { STORED_COLUMNS } from '../src/store/entry-queries.js';
import { openStore } from '../src/store/open-store.js';
import { openTieredCache } from '../src/tiers/open-tiered-cache.js';
import { benchDataDir, median, openRawPGlite } from './support.js';
import { jsonValue } from './workload.js';

const valueOfSize = (bytes: number, seed: number): unknown => jsonValue(seed, bytes);

const { values: args } = parseArgs({
  options: {
    'memory-ops': { type: 'string', default: '200000' },
    'db-ops': { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '7' },
  },
});
const MEMORY_OPS = Number(args['memory-ops']);
const DB_OPS = Number(args['db-ops']);
const ROUNDS = Number(args.rounds);
const KEYS = 1000;
const key = (i: number): string => `bench:${i % KEYS}`;
const SELECT = `SELECT ${STORED_COLUMNS} FROM pgcache_entries WHERE key = $1 AND (expires_at IS NULL OR expires_at > $2)`;

const dirs = await benchDataDir();
const seedDir = dirs.copy();
const seed = await openStore({ dataDir: seedDir, settings: { defaultTtlMs: 0 } });
await seed.setMany(
  Array.from({ length: KEYS }, (_, i) => ({ key: key(i), value: valueOfSize(1024, i) })),
);
await seed.close();
const rawDir = `${seedDir}-raw`;
cpSync(seedDir, rawDir, { recursive: true });

// The store and its tiers on one copy, a bare PGlite on another copy of the same rows.
const store = await openStore({ dataDir: seedDir });
const withL1 = await openTieredCache(store, { settings: { 'memory.ttlMs': 0 } });
const withoutL1 = await openTieredCache(store, { settings: { 'memory.maxBytes': 0 } });
const raw = await openRawPGlite(join(rawDir, 'pgdata'));
const lru = new LRUCache<string, object>({
  maxSize: 64 * 1024 * 1024,
  sizeCalculation: () => 1100,
});
for (let i = 0; i < KEYS; i += 1) {
  lru.set(key(i), (await raw.query<object>(SELECT, [key(i), new Date()])).rows[0] ?? {});
  await withL1.get(key(i)); // promoted into L1
}

/** Nanoseconds per operation over `ops` sequential calls, each awaited. */
async function nsPerOp(ops: number, op: (i: number) => unknown): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < ops; i += 1) await op(i);
  return ((performance.now() - start) * 1e6) / ops;
}
const syncNsPerOp = (ops: number, op: (i: number) => unknown): number => {
  const start = performance.now();
  for (let i = 0; i < ops; i += 1) op(i);
  return ((performance.now() - start) * 1e6) / ops;
};

const now = new Date();
const cases = {
  'bare lru-cache get (sync)': () =>
    Promise.resolve(syncNsPerOp(MEMORY_OPS, (i) => lru.get(key(i)))),
  'bare lru-cache get, awaited': () => nsPerOp(MEMORY_OPS, async (i) => lru.get(key(i))),
  'L1 hit: TieredCache.get': () => nsPerOp(MEMORY_OPS, (i) => withL1.get(key(i))),
  'bare PGlite select': () => nsPerOp(DB_OPS, (i) => raw.query(SELECT, [key(i), now])),
  'Store.get (no tiers)': () => nsPerOp(DB_OPS, (i) => store.get(key(i))),
  'L2 hit: TieredCache.get (no L1)': () => nsPerOp(DB_OPS, (i) => withoutL1.get(key(i))),
};
const results = new Map<string, number[]>(Object.keys(cases).map((name) => [name, []]));
for (const run of Object.values(cases)) await run(); // warm-up
for (let round = 0; round < ROUNDS; round += 1) {
  for (const [name, run] of Object.entries(cases)) results.get(name)?.push(await run());
}
const at = (name: string): number => median(results.get(name) ?? []);
const line = (name: string, base: string): string =>
  `${name.padEnd(32)} ${(at(name) / 1000).toFixed(3).padStart(9)} µs/op   ×${(at(name) / at(base)).toFixed(1)} of ${base}\n`;
process.stdout.write(
  `hit latency, concurrency 1, ${MEMORY_OPS} memory / ${DB_OPS} database ops × ${ROUNDS} rounds (median), 1 KiB values, ${new Date().toISOString()}\n` +
    line('bare lru-cache get (sync)', 'bare lru-cache get (sync)') +
    line('bare lru-cache get, awaited', 'bare lru-cache get (sync)') +
    line('L1 hit: TieredCache.get', 'bare lru-cache get (sync)') +
    line('L1 hit: TieredCache.get', 'bare lru-cache get, awaited') +
    line('bare PGlite select', 'bare PGlite select') +
    line('Store.get (no tiers)', 'bare PGlite select') +
    line('L2 hit: TieredCache.get (no L1)', 'bare PGlite select') +
    line('L2 hit: TieredCache.get (no L1)', 'Store.get (no tiers)'),
);
await withL1.close();
await withoutL1.close();
await store.close();
await raw.close();
dirs.cleanup();
