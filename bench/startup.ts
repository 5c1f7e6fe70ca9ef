// The CLI's own start-up: wall time of real processes (spawn to exit), each command run several
// times in interleaved rounds, median reported. A command that cannot run yet stays listed.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { PGDATA_DIR_NAME, openStore } from '../src/store/open-store.js';
import { unavailable, isUnavailable, type Unavailable } from './case.js';
import { median } from './support.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'pgcache.js');

/** A process to time: what to spawn, and how to tell that it gave the right answer. */
export interface PreparedCommand {
  readonly file: string;
  readonly args: readonly string[];
  /** True when the process printed the right answer. */
  check(stdout: string): boolean;
  /** Stop what `prepare` started (a `serve` process). */
  cleanup?(): Promise<void>;
}

/** A PostgreSQL schema holding a migrated pgcache store with the benchmark entry. */
export interface PostgresFixture {
  /** Connection URL whose sessions use the schema. */
  readonly url: string;
  /** Connection URL without the schema option (for psql). */
  readonly plainUrl: string;
  readonly schema: string;
}

/** What the harness gives a start-up command to prepare itself with. */
export interface StartupEnv {
  /** A migrated data directory holding `key` → `value`. */
  dataDir(): Promise<string>;
  /** The same entry in a PostgreSQL schema, or why there is none. */
  postgres(): Promise<PostgresFixture | Unavailable>;
  readonly key: string;
  readonly value: unknown;
}

/** One command of the start-up table. */
export interface StartupCommand {
  readonly name: string;
  /** Where the time goes, in a few words. */
  readonly description: string;
  prepare(env: StartupEnv): Promise<PreparedCommand | Unavailable>;
}

const printsValue =
  (value: unknown) =>
  (stdout: string): boolean => {
    try {
      return isDeepStrictEqual(JSON.parse(stdout), value);
    } catch {
      return false;
    }
  };

/** Every start-up command, in table order. */
export const STARTUP_COMMANDS: readonly StartupCommand[] = [
  {
    name: "node -e ''",
    description: 'Node itself: the floor for any CLI written in JavaScript',
    prepare: () => Promise.resolve({ file: process.execPath, args: ['-e', ''], check: () => true }),
  },
  {
    name: 'pgcache --version',
    description: 'Node + loading the CLI, no store',
    prepare: () =>
      Promise.resolve({
        file: process.execPath,
        args: [BIN, '--version'],
        check: (out) => out !== '',
      }),
  },
  {
    name: 'pgcache get KEY',
    description: 'opens the data directory itself (lock, PGlite, schema check)',
    prepare: async (env) => ({
      file: process.execPath,
      args: [BIN, 'get', env.key, '--data-dir', await env.dataDir()],
      check: printsValue(env.value),
    }),
  },
  {
    name: 'PGlite open + SELECT + close',
    description:
      'reference: PGlite itself opens that directory, reads the row, closes (no pgcache)',
    prepare: async (env) => ({
      file: process.execPath,
      args: [
        '--input-type=module',
        '-e',
        pgliteGetScript(join(await env.dataDir(), PGDATA_DIR_NAME), env.key),
      ],
      check: printsValue(env.value),
    }),
  },
  {
    name: 'pgcache get KEY (through serve)',
    description: 'a running `pgcache serve` owns the directory; get goes over its wire endpoint',
    prepare: async (env) => {
      const dataDir = await env.dataDir();
      const serve = spawn(process.execPath, [BIN, 'serve', '--data-dir', dataDir, '--json'], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const ready = await new Promise<boolean>((resolve) => {
        serve.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().includes('"ready"')));
        serve.once('exit', () => resolve(false));
      });
      const stop = (): Promise<void> =>
        new Promise((resolve) => {
          if (serve.exitCode !== null) return resolve();
          serve.once('exit', () => resolve());
          serve.kill('SIGTERM');
        });
      if (!ready) {
        await stop();
        return unavailable('pgcache serve did not start');
      }
      return {
        file: process.execPath,
        args: [BIN, 'get', env.key, '--data-dir', dataDir],
        check: printsValue(env.value),
        cleanup: stop,
      };
    },
  },
  {
    name: 'pgcache get KEY --database-url',
    description: 'the same get against PostgreSQL 15 on loopback (no PGlite to open)',
    prepare: async (env) => {
      const pg = await env.postgres();
      if (isUnavailable(pg)) return pg;
      return {
        file: process.execPath,
        args: [BIN, 'get', env.key, '--database-url', pg.url],
        check: printsValue(env.value),
      };
    },
  },
  {
    name: 'psql -c "SELECT value …"',
    description: 'reference: the same row read by psql from PostgreSQL 15 on loopback',
    prepare: async (env) => {
      const pg = await env.postgres();
      if (isUnavailable(pg)) return pg;
      if (spawnSync('psql', ['--version']).status !== 0) return unavailable('psql not found');
      return {
        file: 'psql',
        args: [
          pg.plainUrl,
          '-Atc',
          `SELECT value FROM ${pg.schema}.pgcache_entries WHERE key = '${env.key}'`,
        ],
        check: printsValue(env.value),
      };
    },
  },
];

/** A Node script reading `key` from the PGlite directory `pgData` with PGlite alone. */
function pgliteGetScript(pgData: string, key: string): string {
  const pglite = import.meta.resolve('@electric-sql/pglite');
  return `const { PGlite } = await import(${JSON.stringify(pglite)});
const pg = await PGlite.create({ dataDir: ${JSON.stringify(pgData)} });
const { rows } = await pg.query('SELECT value FROM pgcache_entries WHERE key = $1', [${JSON.stringify(key)}]);
process.stdout.write(JSON.stringify(rows[0]?.value) + '\\n');
await pg.close();`;
}

/** Wall times of one command, or why it did not run. */
export type StartupResult =
  | {
      readonly name: string;
      readonly description: string;
      readonly status: 'ok';
      readonly runs: number;
      readonly medianMs: number;
      readonly minMs: number;
      readonly maxMs: number;
    }
  | {
      readonly name: string;
      readonly description: string;
      readonly status: 'n/a';
      readonly reason: string;
    };

/** Prepare every command, run each `runs` times in interleaved rounds (after one warm-up run). */
export async function timeStartup(
  commands: readonly StartupCommand[],
  env: StartupEnv,
  runs: number,
  cwd: string,
): Promise<StartupResult[]> {
  const prepared = await Promise.all(commands.map((command) => command.prepare(env)));
  const times = commands.map((): number[] => []);
  const failures = commands.map((): string | undefined => undefined);
  const childEnv = { ...withoutPgcacheVariables(process.env), NO_COLOR: '1' };
  for (let round = -1; round < runs; round += 1) {
    for (const [i, command] of prepared.entries()) {
      if (isUnavailable(command) || failures[i] !== undefined) continue;
      const started = process.hrtime.bigint();
      const result = spawnSync(command.file, command.args, {
        cwd,
        env: childEnv,
        encoding: 'utf8',
        timeout: 120_000,
      });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (result.status !== 0 || !command.check(result.stdout)) {
        failures[i] =
          `failed: exit ${result.status ?? result.signal}: ${(result.stderr || result.stdout).trim().split('\n')[0] ?? ''}`;
      } else if (round >= 0) times[i]?.push(ms);
    }
  }
  for (const command of prepared) if (!isUnavailable(command)) await command.cleanup?.();
  return commands.map((command, i) => {
    const base = { name: command.name, description: command.description };
    const ready = prepared[i];
    const failure = ready !== undefined && isUnavailable(ready) ? ready.unavailable : failures[i];
    if (failure !== undefined) return { ...base, status: 'n/a', reason: failure };
    const samples = times[i] ?? [];
    return {
      ...base,
      status: 'ok',
      runs: samples.length,
      medianMs: median(samples),
      minMs: Math.min(...samples),
      maxMs: Math.max(...samples),
    };
  });
}

/** Write `key` → `value` into a store at `dataDir` or `databaseUrl` (migrating it first). */
export async function seedEntry(
  target: { dataDir: string } | { databaseUrl: string },
  key: string,
  value: unknown,
): Promise<void> {
  const store = await openStore(target);
  try {
    await store.set(key, value, { ttlMs: 0 });
  } finally {
    await store.close();
  }
}

function withoutPgcacheVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('PGCACHE_')));
}
