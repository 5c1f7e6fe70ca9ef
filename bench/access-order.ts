// How LRU order can be kept, measured side by side on one PGlite instance: what flushing 500
// buffered reads costs, and how long choosing the 100 least recently used entries among all takes.
//   npx tsx bench/access-order.ts [--rows 100000] [--flushes 20]
// Each design is a table of its own holding the same rows (1 KiB values, as the bench); reads are
// flushed as the store flushes them (one UPDATE of the touched keys), into every design in turn.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openEmbeddedDatabase } from '../src/db/embedded-database.js';
import { benchDataDir, median } from './support.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    flushes: { type: 'string', default: '20' },
  },
});
const ROWS = Number(args.rows);
const FLUSHES = Number(args.flushes);
const COLUMNS = `key text PRIMARY KEY, kind text NOT NULL, namespace text, value jsonb NOT NULL,
  size_bytes integer NOT NULL, created_at timestamptz NOT NULL, expires_at timestamptz`;
const ACCESS = 'accessed_at timestamptz NOT NULL, access_count bigint NOT NULL DEFAULT 0';
const LIVE = '(e.expires_at IS NULL OR e.expires_at > now())';

interface Design {
  readonly name: string;
  readonly ddl: string;
  /** The table the flush updates, and how its rows are first filled. */
  readonly touched: string;
  readonly fill: string;
  readonly flushSet: string;
  readonly lru: string;
}

const designs: Design[] = [
  {
    name: 'entries with an indexed access time (migration 1)',
    ddl: `CREATE TABLE d1 (${COLUMNS}, ${ACCESS}); CREATE INDEX ON d1 (accessed_at);
          CREATE INDEX ON d1 (expires_at) WHERE expires_at IS NOT NULL; CREATE INDEX ON d1 (kind);
          CREATE INDEX ON d1 (namespace); CREATE INDEX ON d1 USING gin (value jsonb_path_ops);`,
    touched: 'd1',
    fill: `UPDATE d1 SET accessed_at = created_at - (random() * interval '1 day')`,
    flushSet: '',
    lru: `SELECT e.key, e.size_bytes FROM d1 e WHERE ${LIVE} ORDER BY e.accessed_at, e.key LIMIT 100`,
  },
  {
    name: 'entries, access time not indexed (HOT; eviction scans)',
    ddl: `CREATE TABLE d2 (${COLUMNS}, ${ACCESS}) WITH (fillfactor = 80);
          CREATE INDEX ON d2 (kind); CREATE INDEX ON d2 (namespace);`,
    touched: 'd2',
    fill: `UPDATE d2 SET accessed_at = created_at - (random() * interval '1 day')`,
    flushSet: '',
    lru: `SELECT e.key, e.size_bytes FROM d2 e WHERE ${LIVE} ORDER BY e.accessed_at, e.key LIMIT 100`,
  },
  {
    name: 'entries with an indexed access minute (HOT within a minute)',
    ddl: `CREATE TABLE d3 (${COLUMNS}, ${ACCESS}, access_minute integer NOT NULL DEFAULT 0)
            WITH (fillfactor = 80);
          CREATE INDEX ON d3 (access_minute); CREATE INDEX ON d3 (kind); CREATE INDEX ON d3 (namespace);`,
    touched: 'd3',
    fill: `UPDATE d3 SET accessed_at = created_at - (random() * interval '1 day');
           UPDATE d3 SET access_minute = floor(extract(epoch FROM accessed_at) / 60)`,
    flushSet: ', access_minute = floor(extract(epoch FROM GREATEST(e.accessed_at, t.at)) / 60)',
    lru: `SELECT e.key, e.size_bytes FROM d3 e WHERE ${LIVE}
           ORDER BY e.access_minute, e.accessed_at, e.key LIMIT 100`,
  },
  {
    name: 'a narrow access table, its access time indexed (chosen)',
    ddl: `CREATE TABLE d4 (${COLUMNS}) WITH (fillfactor = 80);
          CREATE INDEX ON d4 (kind); CREATE INDEX ON d4 (namespace);
          CREATE TABLE d4_access (key text PRIMARY KEY, created_at timestamptz NOT NULL, ${ACCESS});
          CREATE INDEX ON d4_access (accessed_at, key);`,
    touched: 'd4_access',
    fill: `INSERT INTO d4_access SELECT key, created_at, created_at - (random() * interval '1 day'), 0 FROM d4`,
    flushSet: '',
    lru: `SELECT e.key, e.size_bytes FROM d4_access a JOIN d4 e ON e.key = a.key WHERE ${LIVE}
           ORDER BY a.accessed_at, a.key LIMIT 100`,
  },
];

const dirs = await benchDataDir();
const db = await openEmbeddedDatabase({ pgDataDir: join(dirs.copy(), 'pgdata') });
const body = 'x'.repeat(900);
for (const [i, design] of designs.entries()) {
  await db.exec(design.ddl);
  const table = `d${i + 1}`;
  await db.query(
    `INSERT INTO ${table} (key, kind, namespace, value, size_bytes, created_at, expires_at${i === 3 ? '' : ', accessed_at'})
     SELECT 'bench:item-' || n, 'generic', 'bench', jsonb_build_object('id', n, 'body', $1::text),
            1024, now(), now() + interval '1 day'${i === 3 ? '' : ', now()'}
       FROM generate_series(0, ${ROWS - 1}) n`,
    [body],
  );
  await db.exec(design.fill);
  process.stderr.write(`${design.name}: ${ROWS.toLocaleString('en-US')} rows\n`);
}
await db.exec('VACUUM ANALYZE');
await db.query('SELECT pg_stat_force_next_flush()');
await db.exec('SELECT 1');
await db.query('SELECT pg_stat_reset()');

const flushMs = designs.map((): number[] => []);
let seed = 1;
for (let f = 0; f < FLUSHES; f += 1) {
  const keys = new Set<string>();
  while (keys.size < 500) keys.add(`bench:item-${(seed = (seed * 48271) % 2147483647) % ROWS}`);
  const at = new Date(Date.now() + f * 1000).toISOString();
  const batch = JSON.stringify([...keys].map((key) => ({ key, at, n: 1 })));
  for (const [i, design] of designs.entries()) {
    const started = performance.now();
    await db.query(
      `UPDATE ${design.touched} AS e SET accessed_at = GREATEST(e.accessed_at, t.at),
              access_count = e.access_count + t.n${design.flushSet}
         FROM jsonb_to_recordset($1::jsonb) AS t(key text, at timestamptz, n integer)
        WHERE e.key = t.key`,
      [batch],
    );
    flushMs[i]?.push(performance.now() - started);
  }
}
process.stdout.write(
  `LRU order, ${ROWS.toLocaleString('en-US')} rows of 1 KiB, ${FLUSHES} flushes of 500 reads each, ${new Date().toISOString()}\n`,
);
process.stdout.write(`${'design'.padEnd(62)} flush of 500   LRU 100 of all   HOT updates\n`);
for (const [i, design] of designs.entries()) {
  const lruMs: number[] = [];
  for (let r = 0; r < 7; r += 1) {
    const started = performance.now();
    await db.query(design.lru);
    lruMs.push(performance.now() - started);
  }
  await db.query('SELECT pg_stat_force_next_flush()');
  const { rows } = await db.query<{ upd: number; hot: number }>(
    `SELECT n_tup_upd::int AS upd, n_tup_hot_upd::int AS hot FROM pg_stat_user_tables WHERE relname = $1`,
    [design.touched],
  );
  const hot = rows[0] === undefined ? 'n/a' : `${rows[0].hot} of ${rows[0].upd}`;
  process.stdout.write(
    `${design.name.padEnd(62)} ${median(flushMs[i] ?? [])
      .toFixed(1)
      .padStart(8)} ms  ${median(lruMs).toFixed(2).padStart(11)} ms   ${hot}\n`,
  );
}
await db.close();
dirs.cleanup();
