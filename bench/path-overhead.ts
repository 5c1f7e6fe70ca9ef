// The cost of the resilience path on a single-row read at concurrency 1, against the same
// statement sent straight to PGlite, measured in one run with interleaved rounds.
//   npx tsx bench/path-overhead.ts [--ops 5000] [--rounds 7]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../src/clock.js';
import { openEmbeddedDatabase } from '../src/db/embedded-database.js';
import { Deadline } from '../src/resilience/deadline.js';
import { openSupervisedDatabase } from '../src/resilience/instance-supervisor.js';
import { ResilientRunner } from '../src/resilience/operation-runner.js';
import { loadConfig } from '../src/config/load-config.js';
import { openStore } from '../src/store/open-store.js';
import { SUMMARY_COLUMNS } from '../src/store/entry-queries.js';
import { benchDataDir, measure, median, valueOfSize } from './support.js';

const { values: args } = parseArgs({
  options: { ops: { type: 'string', default: '5000' }, rounds: { type: 'string', default: '7' } },
});
const OPS = Number(args.ops);
const ROUNDS = Number(args.rounds);
const KEYS = 1000;
const SELECT = `SELECT ${SUMMARY_COLUMNS}, value FROM pgcache_entries WHERE key = $1 AND (expires_at IS NULL OR expires_at > $2)`;

const dirs = await benchDataDir();
const store = await openStore({ dataDir: dirs.copy(), settings: { defaultTtlMs: 0 } });
await store.setMany(
  Array.from({ length: KEYS }, (_, i) => ({ key: `bench:${i}`, value: valueOfSize(1024, i) })),
);
await store.close();

// The same directory, opened piece by piece so that each layer can be timed alone.
const dataDir = dirs.copy();
const config = loadConfig({ cwd: '/', readConfigFile: false }).config;
const embedded = await openEmbeddedDatabase({
  pgDataDir: join(dirs.template, '..', 'copy-1', 'pgdata'),
});
const supervised = await openSupervisedDatabase({
  clock: systemClock,
  open: () => Promise.resolve(embedded),
});
const runner = new ResilientRunner(config, { database: supervised, clock: systemClock });
const now = new Date();
const key = (i: number): string => `bench:${i % KEYS}`;

const cases: Record<string, (i: number) => Promise<unknown>> = {
  'raw PGlite query()': (i) => embedded.pglite.query(SELECT, [key(i), now]),
  'adapter (EmbeddedDatabase)': (i) => embedded.query(SELECT, [key(i), now]),
  'supervised instance': (i) => supervised.query(SELECT, [key(i), now]),
  'full path (runner)': (i) =>
    runner.run({ kind: 'read', name: 'get', deadline: Deadline.after(systemClock, 30_000) }, (db) =>
      db.query(SELECT, [key(i), now]),
    ),
};
const results = new Map<string, number[]>(Object.keys(cases).map((name) => [name, []]));
for (const op of Object.values(cases)) await measure(500, 1, op); // warm-up
for (let round = 0; round < ROUNDS; round += 1) {
  for (const [name, op] of Object.entries(cases))
    results.get(name)?.push(await measure(OPS, 1, op));
}
const base = median(results.get('raw PGlite query()') ?? []);
process.stdout.write(
  `single-row read, concurrency 1, ${OPS} ops × ${ROUNDS} rounds (median), ${new Date().toISOString()}\n`,
);
for (const [name, samples] of results) {
  const opsPerSec = median(samples);
  process.stdout.write(
    `${name.padEnd(28)} ${opsPerSec.toFixed(0).padStart(7)} ops/s   time per op ×${(base / opsPerSec).toFixed(3)} of raw\n`,
  );
}
await runner.close(Deadline.after(systemClock, 5000));
await supervised.close();
void dataDir;
dirs.cleanup();
