// The same mixed load (80% get, 20% set, 1,000 keys of 1 KiB) against the three backends, in one
// run with interleaved rounds: the embedded store in this process, the same store through a
// `pgcache serve` child process (wire endpoint), and a PostgreSQL server.
//   npm run build && npx tsx bench/backends.ts [--ops 3000] [--rounds 5] [--concurrency 10]
//     [--database-url postgres://…]   (default: PGCACHE_TEST_DATABASE_URL; skipped when unset)
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import pg from 'pg';
import { openStore } from '../src/store/open-store.js';
import type { Store } from '../src/store/store.js';
import { benchDataDir, median } from './support.js';
import { jsonValue } from './workload.js';

const valueOfSize = (bytes: number, seed: number): unknown => jsonValue(seed, bytes);

/** Run `op(i)` `count` times, `concurrency` at a time; returns operations per second. */
async function measure(
  count: number,
  concurrency: number,
  op: (i: number) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const start = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count) await op(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (count / (performance.now() - start)) * 1000;
}

const { values: args } = parseArgs({
  options: {
    ops: { type: 'string', default: '3000' },
    rounds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '10' },
    'database-url': { type: 'string', default: process.env['PGCACHE_TEST_DATABASE_URL'] },
  },
});
const OPS = Number(args.ops);
const ROUNDS = Number(args.rounds);
const CONCURRENCY = Number(args.concurrency);
const KEYS = 1000;
const settings = { defaultTtlMs: 0 } as const;

const dirs = await benchDataDir();
const stores = new Map<string, Store>();
stores.set('embedded (in-process)', await openStore({ dataDir: dirs.copy(), settings }));

const servedDir = dirs.copy();
const serve = execa(
  'node',
  [join(import.meta.dirname, '../bin/pgcache.js'), 'serve', '--data-dir', servedDir, '--json'],
  {
    reject: false,
  },
);
await new Promise((resolve) => serve.stdout?.once('data', resolve));
stores.set('through serve (wire)', await openStore({ dataDir: servedDir, settings }));

let schema: string | undefined;
const url = args['database-url'];
if (url !== undefined) {
  schema = `pgcache_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const schemaUrl = new URL(url);
  schemaUrl.searchParams.set('options', `-c search_path=${schema}`);
  stores.set('PostgreSQL server', await openStore({ databaseUrl: schemaUrl.toString(), settings }));
}

for (const store of stores.values()) {
  await store.setMany(
    Array.from({ length: KEYS }, (_, i) => ({ key: `bench:${i}`, value: valueOfSize(1024, i) })),
  );
}
const mixed = (store: Store) => (i: number) =>
  i % 5 === 0
    ? store.set(`bench:${i % KEYS}`, valueOfSize(1024, i))
    : store.get(`bench:${(i * 7) % KEYS}`);

const results = new Map<string, number[]>([...stores.keys()].map((name) => [name, []]));
for (const store of stores.values()) await measure(300, CONCURRENCY, mixed(store)); // warm-up
for (let round = 0; round < ROUNDS; round += 1) {
  for (const [name, store] of stores)
    results.get(name)?.push(await measure(OPS, CONCURRENCY, mixed(store)));
}
process.stdout.write(
  `80% get / 20% set, concurrency ${CONCURRENCY}, ${OPS} ops × ${ROUNDS} rounds (median), ${new Date().toISOString()}\n`,
);
const base = median(results.get('embedded (in-process)') ?? []);
for (const [name, samples] of results) {
  const opsPerSec = median(samples);
  process.stdout.write(
    `${name.padEnd(24)} ${opsPerSec.toFixed(0).padStart(7)} ops/s   ×${(opsPerSec / base).toFixed(2)} of embedded\n`,
  );
}
for (const store of stores.values()) await store.close();
serve.kill('SIGTERM');
await serve;
if (url !== undefined && schema !== undefined) {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();
}
dirs.cleanup();
