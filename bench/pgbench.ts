// pgbench's TPC-B (sort of) through `pgcache serve` and against PostgreSQL in the same run, at
// each query mode and client count, the two targets interleaved so that a busy machine weighs on
// both alike. PostgreSQL: PGCACHE_TEST_DATABASE_URL, else a throwaway cluster of the installed
// binaries.
//   npx tsx bench/pgbench.ts [--seconds 5]
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import pg from 'pg';
import { findPostgresBinDir, startPostgresCluster } from '../test/support/postgres-cluster.js';
import { startServeProcess } from '../test/support/serve-process.js';
import { benchDataDir } from './support.js';

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '5' } } });
const MODES = ['simple', 'extended', 'prepared'] as const;
const CLIENTS = [1, 4, 10];

const dirs = await benchDataDir();
const given = process.env['PGCACHE_TEST_DATABASE_URL'];
const binDir = findPostgresBinDir();
if (given === undefined && binDir === undefined) throw new Error('no PostgreSQL to compare with');
const cluster =
  given === undefined && binDir !== undefined ? await startPostgresCluster(binDir) : undefined;
const url = new URL(given ?? cluster?.url ?? '');
const schema = `pgcache_pgbench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: url.toString() });
await admin.connect();
await admin.query(`CREATE SCHEMA ${schema}`);
const serve = await startServeProcess(dirs.copy());

const targets = {
  serve: {
    PGHOST: '127.0.0.1',
    PGPORT: String(serve.ready.pg.port),
    PGUSER: 'postgres',
    PGDATABASE: 'postgres',
  },
  'PostgreSQL 15': {
    PGHOST: url.hostname,
    PGPORT: url.port,
    PGUSER: decodeURIComponent(url.username),
    PGPASSWORD: decodeURIComponent(url.password),
    PGDATABASE: url.pathname.slice(1),
    PGOPTIONS: `-c search_path=${schema}`,
  },
};
const pgbench = (env: Record<string, string>, argv: string[]) =>
  execa('pgbench', argv, { env, reject: false, timeout: 300_000 });

try {
  for (const env of Object.values(targets)) {
    const init = await pgbench(env, ['-i', '-s', '1', '-q']);
    if (init.exitCode !== 0) throw new Error(`pgbench -i: ${init.stderr}`);
  }
  const rows: string[] = [];
  for (const mode of MODES) {
    for (const clients of CLIENTS) {
      const tps: string[] = [];
      for (const env of Object.values(targets)) {
        const run = await pgbench(env, [
          '-n',
          '-M',
          mode,
          '-c',
          String(clients),
          '-j',
          '2',
          '-T',
          args.seconds,
        ]);
        const failed = /number of failed transactions: (\d+)/.exec(run.stdout)?.[1] ?? '?';
        const value = /^tps = ([\d.]+)/m.exec(run.stdout)?.[1];
        tps.push(
          value === undefined
            ? `error: ${run.stderr.split('\n')[0]}`
            : `${Math.round(Number(value))} (${failed} failed)`,
        );
      }
      const [viaServe = '', viaPostgres = ''] = tps;
      const ratio = Number.parseFloat(viaServe) / Number.parseFloat(viaPostgres);
      rows.push(
        `| ${mode.padEnd(8)} | ${String(clients).padStart(2)} | ${viaServe.padStart(16)} | ${viaPostgres.padStart(16)} | ${ratio.toFixed(2).padStart(5)} |`,
      );
    }
  }
  process.stdout.write(
    `pgbench TPC-B, scale 1, -T ${args.seconds}s per run, tps (failed transactions), ${new Date().toISOString()}\n` +
      `| mode     |  c |            serve |    PostgreSQL 15 | serve / PG |\n` +
      `| -------- | -: | ---------------: | ---------------: | ---------: |\n` +
      `${rows.join('\n')}\n`,
  );
} finally {
  serve.child.kill('SIGTERM');
  await serve.child;
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();
  await cluster?.stop();
  dirs.cleanup();
}
