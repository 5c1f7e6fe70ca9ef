// Where the time of one pgcache get and one set goes at concurrency 1: from the floor (a named
// prepared statement on a two-column table) up to store.get/store.set, one layer at a time, all
// on one PGlite instance, measured in one run with interleaved rounds.
//   npx tsx bench/path-overhead.ts [--duration 400] [--rounds 7]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../src/clock.js';
import { assertValidConfig, loadConfig } from '../src/config/load-config.js';
import type { Queryable } from '../src/db/database.js';
import { openEmbeddedDatabase } from '../src/db/embedded-database.js';
import { Deadline } from '../src/resilience/deadline.js';
import { openSupervisedDatabase } from '../src/resilience/instance-supervisor.js';
import { ResilientRunner } from '../src/resilience/operation-runner.js';
import { encodeEntry } from '../src/store/entry-codec.js';
import { selectLiveEntry, upsertEntry } from '../src/store/entry-queries.js';
import { Store } from '../src/store/store.js';
import type { CaseDriver } from './case.js';
import { firstRow, prepareStatement } from './cases/pglite-prepared.js';
import { formatNs, formatRatio } from './render.js';
import { benchDataDir, median } from './support.js';
import { keySpace, measure, type Operation } from './workload.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '400' },
    rounds: { type: 'string', default: '7' },
  },
});
const DURATION_MS = Number(args.duration);
const ROUNDS = Number(args.rounds);
const space = keySpace(1000, 1024, 8);

const dirs = await benchDataDir();
const config = assertValidConfig(loadConfig({ cwd: '/', readConfigFile: false }));
const embedded = await openEmbeddedDatabase({ pgDataDir: join(dirs.copy(), 'pgdata') });
const pg = embedded.pglite;
const supervised = await openSupervisedDatabase({
  clock: systemClock,
  open: () => Promise.resolve(embedded),
});
const runner = new ResilientRunner(config, { database: supervised, clock: systemClock });
const store = new Store(config, { database: supervised, runner, clock: systemClock });
const viaRunner = <T>(kind: 'read' | 'write', fn: (db: Queryable) => Promise<T>) =>
  runner.run({ kind, name: kind, deadline: Deadline.after(systemClock, 30_000) }, fn);

// The store's own statements and parameters, captured from the functions that send them.
const captured = { sql: '', params: [] as readonly unknown[] };
const capture: Queryable = {
  query: (sql, params = []) => {
    Object.assign(captured, { sql, params });
    return Promise.resolve({ rows: [{} as never], affectedRows: 1 });
  },
  queryDecoded: (sql, params) => {
    Object.assign(captured, { sql, params });
    return Promise.resolve({ rows: [{} as never], affectedRows: 1 });
  },
  exec: () => Promise.resolve(),
};
const now = new Date();
await selectLiveEntry(capture, 'k:x', now);
const SELECT = captured.sql;
const encoded = space.keys.map((key, i) => encodeEntry(key, space.values[i], config.maxEntryBytes));
const upsertParams = new Map<string, readonly unknown[]>();
for (const entry of encoded) {
  await upsertEntry(capture, entry, now, new Date(now.getTime() + config.defaultTtlMs));
  upsertParams.set(entry.parsed.key, captured.params);
}
const UPSERT = captured.sql;
const asText = (params: readonly unknown[]) =>
  params.map((p) => (p === null ? null : p instanceof Date ? p.toISOString() : String(p)));
const paramsOf = (key: string) => upsertParams.get(key) ?? [];

await store.setMany(space.keys.map((key, i) => ({ key, value: space.values[i] })));
await pg.exec(`
  CREATE TABLE bench_kv (key text PRIMARY KEY, value jsonb NOT NULL);
  INSERT INTO bench_kv SELECT key, value FROM pgcache_entries;
  CREATE TABLE bench_entries_pk (LIKE pgcache_entries INCLUDING DEFAULTS INCLUDING CONSTRAINTS, PRIMARY KEY (key));
  INSERT INTO bench_entries_pk SELECT * FROM pgcache_entries;`);
const kvGet = await prepareStatement(pg, 'kv_get', 'SELECT value FROM bench_kv WHERE key = $1');
const kvSet = await prepareStatement(
  pg,
  'kv_set',
  'INSERT INTO bench_kv (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value',
);
const entryGet = await prepareStatement(pg, 'entry_get', SELECT);
const entrySetPk = await prepareStatement(
  pg,
  'entry_set_pk',
  UPSERT.replace('pgcache_entries', 'bench_entries_pk'),
);
const entrySet = await prepareStatement(pg, 'entry_set', UPSERT);

type Step = {
  operation: Operation;
  name: string;
  run: (key: string, value: unknown) => Promise<unknown>;
};
const steps: Step[] = [
  {
    operation: 'get',
    name: 'floor: prepared SELECT value, 2-column table',
    run: async (k) => JSON.parse(firstRow(await kvGet([k]))?.[0] ?? 'null'),
  },
  {
    operation: 'get',
    name: "prepared: the store's SELECT (12 columns, expiry)",
    run: async (k) =>
      JSON.parse(firstRow(await entryGet([k, new Date().toISOString()]))?.[11] ?? 'null'),
  },
  {
    operation: 'get',
    name: 'PGlite query(): unnamed statement, typed rows',
    run: (k) => pg.query(SELECT, [k, new Date()]),
  },
  {
    operation: 'get',
    name: 'EmbeddedDatabase.query() adapter',
    run: (k) => embedded.query(SELECT, [k, new Date()]),
  },
  {
    operation: 'get',
    name: 'supervised instance',
    run: (k) => supervised.query(SELECT, [k, new Date()]),
  },
  {
    operation: 'get',
    name: 'resilience path (runner.run)',
    run: (k) => viaRunner('read', (db) => selectLiveEntry(db, k, new Date())),
  },
  {
    operation: 'get',
    name: 'store.get() (+ access log and its flushes)',
    run: (k) => store.get(k),
  },
  {
    operation: 'set',
    name: 'floor: prepared upsert, 2-column table',
    run: (k, v) => kvSet([k, JSON.stringify(v)]),
  },
  {
    operation: 'set',
    name: "prepared: the store's upsert, primary key only",
    run: (k) => entrySetPk(asText(paramsOf(k))),
  },
  {
    operation: 'set',
    name: '+ the 4 b-tree and GIN indexes of pgcache_entries',
    run: (k) => entrySet(asText(paramsOf(k))),
  },
  {
    operation: 'set',
    name: 'PGlite query(): unnamed statement, typed rows',
    run: (k) => pg.query(UPSERT, [...paramsOf(k)]),
  },
  {
    operation: 'set',
    name: 'EmbeddedDatabase.query() adapter',
    run: (k) => embedded.query(UPSERT, paramsOf(k)),
  },
  {
    operation: 'set',
    name: 'supervised instance',
    run: (k) => supervised.query(UPSERT, paramsOf(k)),
  },
  {
    operation: 'set',
    name: 'resilience path (runner.run)',
    run: (k) => viaRunner('write', (db) => db.query(UPSERT, paramsOf(k))),
  },
  {
    operation: 'set',
    name: 'store.set() (+ key parse, JSON encode, size)',
    run: (k, v) => store.set(k, v),
  },
];
const driverOf = (step: Step): CaseDriver => ({
  get: (k) => step.run(k, undefined),
  set: step.run,
  // Access times buffered by store.get() are written within its own measurement.
  settle: () => store.flush(),
  close: () => Promise.resolve(),
});

const samples = steps.map((): number[] => []);
for (const step of steps) await measure(driverOf(step), space, step.operation, 1, DURATION_MS / 2);
for (let round = 0; round < ROUNDS; round += 1) {
  // Each round starts one step later: the table bloats as the run goes on (no VACUUM here), and
  // that must not weigh on the steps that come last.
  for (let n = 0; n < steps.length; n += 1) {
    const i = (n + round) % steps.length;
    const step = steps[i] as Step;
    samples[i]?.push(
      (await measure(driverOf(step), space, step.operation, 1, DURATION_MS)).opsPerSec,
    );
  }
  process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
}

process.stdout.write(
  `where the time of one operation goes, concurrency 1, ${ROUNDS} interleaved rounds × ${DURATION_MS} ms (median), ${new Date().toISOString()}\n`,
);
for (const operation of ['get', 'set'] as const) {
  const rows = steps.flatMap((step, i) =>
    step.operation === operation ? [{ step, ops: median(samples[i] ?? []) }] : [],
  );
  const floorNs = 1e9 / (rows[0]?.ops ?? 1);
  process.stdout.write(`${operation}${' '.repeat(50)}    ops/s   per op   × floor  added\n`);
  let previousNs = floorNs;
  for (const { step, ops } of rows) {
    const ns = 1e9 / ops;
    const added =
      ns === floorNs ? '' : `${ns >= previousNs ? '+' : '-'}${formatNs(Math.abs(ns - previousNs))}`;
    process.stdout.write(
      `  ${step.name.padEnd(52)}${Math.round(ops).toLocaleString('en-US').padStart(7)}  ${formatNs(ns).padStart(8)}  ${formatRatio(ns / floorNs).padStart(7)}  ${added}\n`,
    );
    previousNs = ns;
  }
}
await store.close();
dirs.cleanup();
