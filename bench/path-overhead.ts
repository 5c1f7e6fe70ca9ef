// Where the time of one pgcache get and one set goes at concurrency 1: from the floor (a named
// prepared statement on a two-column table, through PGlite's own API, in this thread) up to
// store.get/store.set, one layer at a time, measured in one run with interleaved rounds.
//   npx tsx bench/path-overhead.ts [--duration 400] [--rounds 7]
// The floor and the channel's steps run on copies of the store's rows, each on a PGlite instance
// of its own in this thread (PGlite's API and the channel must not share one), as the store's does;
// a last row per operation is a store whose PGlite runs in a thread of its own (what serve uses).
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../src/clock.js';
import { assertValidConfig, loadConfig } from '../src/config/load-config.js';
import type { Database } from '../src/db/database.js';
import { openEmbeddedDatabase } from '../src/db/embedded-database.js';
import { PgliteChannel } from '../src/db/pglite-channel.js';
import { PreparedStatements } from '../src/db/prepared-statements.js';
import { Deadline } from '../src/resilience/deadline.js';
import { openSupervisedDatabase } from '../src/resilience/instance-supervisor.js';
import { ResilientRunner } from '../src/resilience/operation-runner.js';
import { encodeEntry } from '../src/store/entry-codec.js';
import {
  expiryMinute,
  selectLive,
  upsertEntry,
  type LiveRead,
} from '../src/store/entry-queries.js';
import { openStore } from '../src/store/open-store.js';
import { StoreCore } from '../src/store/store-core.js';
import type { CaseDriver } from './case.js';
import { firstRow, prepareStatement } from './cases/pglite-prepared.js';
import { formatNs, formatRatio } from './render.js';
import { benchDataDir, median, openRawPGlite } from './support.js';
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

// The store's rows, and two copies of them for PGlite in this thread.
const storeDir = dirs.copy();
const seed = await openStore({ dataDir: storeDir });
await seed.setMany(space.keys.map((key, i) => ({ key, value: space.values[i] })));
await seed.close();
const copyOf = (suffix: string): string => {
  cpSync(storeDir, `${storeDir}-${suffix}`, { recursive: true });
  return join(`${storeDir}-${suffix}`, 'pgdata');
};
const KV_TABLE = `CREATE TABLE bench_kv (key text PRIMARY KEY, value jsonb NOT NULL);
  INSERT INTO bench_kv SELECT key, value FROM pgcache_entries`;

// The floor: raw PGlite through its own API.
const floorPg = await openRawPGlite(copyOf('floor'));
await floorPg.exec(KV_TABLE);
const kvGet = await prepareStatement(
  floorPg,
  'kv_get',
  'SELECT value FROM bench_kv WHERE key = $1',
);
const kvSet = await prepareStatement(
  floorPg,
  'kv_set',
  'INSERT INTO bench_kv (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value',
);

// The synchronous channel the store's database thread uses, here in this thread.
const channelPg = await openRawPGlite(copyOf('channel'));
await channelPg.exec(KV_TABLE);
const statements = new PreparedStatements(PgliteChannel.of(channelPg), channelPg);

// The store and every layer under it, its PGlite in this thread (the default).
const embedded = await openEmbeddedDatabase({ pgDataDir: join(storeDir, 'pgdata') });
const supervised = await openSupervisedDatabase({
  clock: systemClock,
  open: () => Promise.resolve(embedded),
});
const runner = new ResilientRunner(config, { database: supervised, clock: systemClock });
const store = new StoreCore(config, { database: supervised, runner, clock: systemClock });
// The same store with its PGlite in a thread of its own, on a copy of the rows.
copyOf('thread');
const threaded = await openStore({ dataDir: `${storeDir}-thread`, thread: true, control: false });

// The store's own statements, captured from the functions that send them.
const captured = { sql: '' };
const capture = {
  query: (sql: string) => ((captured.sql = sql), Promise.resolve({ rows: [], affectedRows: 1 })),
  queryDecoded: (sql: string) => (
    (captured.sql = sql),
    Promise.resolve({ rows: [], affectedRows: 1 })
  ),
} as unknown as Database;
await selectLive(capture, { key: 'k:x', since: new Date().toISOString() });
const SELECT = captured.sql;
const encoded = new Map(
  space.keys.map((key, i) => [key, encodeEntry(key, space.values[i], config.maxEntryBytes)]),
);
await upsertEntry(capture, encoded.get(space.keys[0] as string)!, '', null);
const UPSERT = captured.sql;
const upsertParams = (key: string): unknown[] => {
  const e = encoded.get(key)!;
  const now = new Date();
  const expires = new Date(now.getTime() + config.defaultTtlMs);
  const at = now.toISOString();
  const p = e.parsed;
  const size = e.sizeBytes;
  return [
    key,
    p.kind,
    p.namespace,
    e.framework,
    e.category,
    e.json,
    size,
    at,
    expires.toISOString(),
    expiryMinute(expires),
  ];
};
const decodeValue = (fields: readonly (string | null)[]): unknown =>
  JSON.parse(fields[0] ?? 'null');
const noRows = (): never => {
  throw new Error('no rows expected');
};
const live = (key: string): LiveRead => ({ key, since: new Date().toISOString() });
const GET_ROUTE = { kind: 'read', name: 'get' } as const;
const SET_ROUTE = { kind: 'write', name: 'set' } as const;
const deadline = (): Deadline => Deadline.after(systemClock, 30_000);
const KV_GET = 'SELECT value FROM bench_kv WHERE key = $1';
const KV_SET =
  'INSERT INTO bench_kv (key, value) VALUES ($1, $2::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value';

type Step = {
  operation: Operation;
  name: string;
  run: (key: string, value: unknown) => Promise<unknown> | unknown;
};
const steps: Step[] = [
  {
    operation: 'get',
    name: 'floor: PGlite execProtocol, 2-column table',
    run: async (k) => JSON.parse(firstRow(await kvGet([k]))?.[0] ?? 'null'),
  },
  {
    operation: 'get',
    name: 'the same SELECT on the synchronous channel',
    run: (k) => statements.decoded(KV_GET, [k], decodeValue, false).rows[0],
  },
  {
    operation: 'get',
    name: "the store's SELECT (value, size, expiry; live)",
    run: (k) => statements.decoded(SELECT, [k, new Date().toISOString()], decodeValue, false),
  },
  {
    operation: 'get',
    name: 'EmbeddedDatabase adapter (PGlite in this thread)',
    run: (k) => selectLive(embedded, live(k)),
  },
  { operation: 'get', name: 'supervised instance', run: (k) => selectLive(supervised, live(k)) },
  {
    operation: 'get',
    name: 'resilience path (runner.call)',
    run: (k) => runner.call(GET_ROUTE, deadline(), selectLive, live(k)),
  },
  {
    operation: 'get',
    name: 'store.get() (+ key parse, access log, its flushes)',
    run: (k) => store.get(k),
  },
  {
    operation: 'get',
    name: 'the same, PGlite in a thread of its own',
    run: (k) => threaded.get(k),
  },
  {
    operation: 'set',
    name: 'floor: PGlite execProtocol, 2-column table',
    run: (k, v) => kvSet([k, JSON.stringify(v)]),
  },
  {
    operation: 'set',
    name: 'the same upsert on the synchronous channel',
    run: (k, v) => statements.decoded(KV_SET, [k, JSON.stringify(v)], noRows, false),
  },
  {
    operation: 'set',
    name: "the store's upsert (10 columns, access record)",
    run: (k) => statements.decoded(UPSERT, upsertParams(k), noRows, false),
  },
  {
    operation: 'set',
    name: 'EmbeddedDatabase adapter',
    run: (k) => embedded.queryDecoded(UPSERT, upsertParams(k), noRows),
  },
  {
    operation: 'set',
    name: 'supervised instance',
    run: (k) => supervised.queryDecoded(UPSERT, upsertParams(k), noRows),
  },
  {
    operation: 'set',
    name: 'resilience path (runner.call)',
    run: (k) =>
      runner.call(
        SET_ROUTE,
        deadline(),
        (db, p: unknown[]) => db.queryDecoded(UPSERT, p, noRows),
        upsertParams(k),
      ),
  },
  {
    operation: 'set',
    name: 'store.set() (+ key parse, JSON encode, size)',
    run: (k, v) => store.set(k, v),
  },
  {
    operation: 'set',
    name: 'the same, PGlite in a thread of its own',
    run: (k, v) => threaded.set(k, v),
  },
];
const driverOf = (step: Step): CaseDriver => ({
  get: async (k) => step.run(k, undefined),
  set: async (k, v) => step.run(k, v),
  // Access times buffered by store.get() are written within its own measurement.
  settle: async () => {
    await store.flush();
    await threaded.flush();
  },
  close: () => Promise.resolve(),
});

const samples = steps.map((): number[] => []);
for (const step of steps) await measure(driverOf(step), space, step.operation, 1, DURATION_MS / 2);
for (let round = 0; round < ROUNDS; round += 1) {
  // Each round starts one step later, so that no step always runs first or last.
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
await threaded.close();
await floorPg.close();
await channelPg.close();
dirs.cleanup();
