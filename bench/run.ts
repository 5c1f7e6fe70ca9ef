// npm run bench [-- --json] [-- --quick] [-- --rounds 5 --duration 400] [-- --skip-startup]
// Every case of bench/cases/ on the same workload in one run, rounds interleaved so that the
// noise of a shared machine hits every case alike; then the CLI's start-up; then the targets.
// PostgreSQL figures use PGCACHE_TEST_DATABASE_URL, or a throwaway cluster started here when
// PostgreSQL's server binaries are installed.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { terminalFeatures } from '../src/cli/terminal.js';
import { PGLITE_VERSION } from '../src/db/pglite-version.js';
import {
  findPostgresBinDir,
  startPostgresCluster,
  type PostgresCluster,
} from '../test/support/postgres-cluster.js';
import {
  isUnavailable,
  unavailable,
  type BenchCase,
  type CaseDriver,
  type CaseEnv,
  type Unavailable,
} from './case.js';
import { CASES } from './cases/index.js';
import { openPostgresFixture } from './postgres-fixture.js';
import { renderReport, type BenchDocument } from './render.js';
import { STARTUP_COMMANDS, seedEntry, timeStartup, type StartupEnv } from './startup.js';
import {
  evaluateTargets,
  summariseGroup,
  type CaseOutcome,
  type GroupSpec,
  type WorkloadGroup,
} from './summary.js';
import { benchDataDir } from './support.js';
import {
  jsonValue,
  keySpace,
  measure,
  seed,
  type KeySpace,
  type Operation,
  type Sample,
} from './workload.js';

const KEYS = 1000;
const VALUE_BYTES = 1024;
const LARGE_VALUE_BYTES = 16 * 1024;
const SEED = 8;
/** Every group: 1 KiB gets and sets at three concurrencies, 16 KiB ones, and a 90/10 mix. */
const GROUPS: readonly GroupSpec[] = [
  ...(['get', 'set'] as const).flatMap((operation: Operation) =>
    [1, 10, 100].map((concurrency) => ({ operation, concurrency, valueBytes: VALUE_BYTES })),
  ),
  { operation: 'get', concurrency: 1, valueBytes: LARGE_VALUE_BYTES },
  { operation: 'set', concurrency: 1, valueBytes: LARGE_VALUE_BYTES },
  { operation: 'mix', concurrency: 1, valueBytes: VALUE_BYTES },
  { operation: 'mix', concurrency: 10, valueBytes: VALUE_BYTES },
];

const argv = process.argv.slice(2);
const { values: flags } = parseArgs({
  args: argv,
  options: {
    json: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    'skip-startup': { type: 'boolean', default: false },
  },
});
const settings = {
  rounds: positiveInteger(flags.rounds, flags.quick ? 3 : 5, '--rounds'),
  durationMs: positiveInteger(flags.duration, flags.quick ? 100 : 400, '--duration'),
  keys: KEYS,
  valueSizes: [VALUE_BYTES, LARGE_VALUE_BYTES],
  startupRuns: flags['skip-startup'] ? 0 : flags.quick ? 3 : 5,
};
const log = (message: string): void => void process.stderr.write(`${message}\n`);

const loadAtStart = loadavg()[0] ?? 0;
const dirs = await benchDataDir();
const scratchRoot = mkdtempSync(join(tmpdir(), 'pgcache-bench-scratch-'));
let scratchCount = 0;
const caseEnv: CaseEnv = {
  dataDir: dirs.copy,
  scratchDir: () => {
    const dir = join(scratchRoot, `case-${(scratchCount += 1)}`);
    mkdirSync(dir);
    return dir;
  },
  log,
};
try {
  const spaces = new Map([
    [VALUE_BYTES, keySpace(KEYS, VALUE_BYTES, SEED)],
    [LARGE_VALUE_BYTES, keySpace(KEYS, LARGE_VALUE_BYTES, SEED, 'bench:large-')],
  ]);
  const opened = await openCases(CASES, [...spaces.values()]);
  const workload = await runWorkload(opened, spaces);
  for (const { driver } of opened) await driver?.close();
  const startup = settings.startupRuns > 0 ? await runStartup() : [];
  const doc: BenchDocument = {
    schemaVersion: 2,
    date: new Date().toISOString(),
    command: `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      versions: [`PGlite ${PGLITE_VERSION}`, ...opened.flatMap((o) => o.driver?.version ?? [])],
      loadAverage: { start: loadAtStart, end: loadavg()[0] ?? 0 },
    },
    settings,
    workload,
    startup,
    targets: evaluateTargets(workload, startup),
  };
  process.stdout.write(
    flags.json
      ? `${JSON.stringify(doc, null, 2)}\n`
      : renderReport(doc, terminalFeatures(process.stdout, process.env).interactive),
  );
} finally {
  dirs.cleanup();
  rmSync(scratchRoot, { recursive: true, force: true });
}

type OpenedCase = CaseOutcome & { driver: CaseDriver | undefined };

/** Open (set up) and seed every case; one that cannot run keeps its reason. */
async function openCases(
  cases: readonly BenchCase[],
  spaces: readonly KeySpace[],
): Promise<OpenedCase[]> {
  const opened: OpenedCase[] = [];
  for (const c of cases) {
    const started = performance.now();
    const driver = await c.open(caseEnv);
    if (isUnavailable(driver)) {
      log(`${c.name}: n/a, ${driver.unavailable}`);
      opened.push({
        name: c.name,
        floor: c.floor,
        unavailable: driver.unavailable,
        driver: undefined,
      });
      continue;
    }
    for (const space of spaces) await seed(driver, space, c.name);
    log(`${c.name}: opened and seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    opened.push({ name: c.name, floor: c.floor, driver });
  }
  return opened;
}

/** A warm-up pass, then `rounds` rounds; each round runs every group on every case. */
async function runWorkload(
  opened: readonly OpenedCase[],
  spaces: ReadonlyMap<number, KeySpace>,
): Promise<WorkloadGroup[]> {
  const spaceOf = (group: GroupSpec): KeySpace => spaces.get(group.valueBytes) as KeySpace;
  const running = opened.filter((o) => o.driver !== undefined);
  const samples = GROUPS.map(() => new Map(running.map((o): [string, Sample[]] => [o.name, []])));
  for (const group of GROUPS) {
    for (const o of running) {
      await measure(
        o.driver as CaseDriver,
        spaceOf(group),
        group.operation,
        group.concurrency,
        settings.durationMs / 2,
      );
    }
  }
  log(`warmed up; ${settings.rounds} rounds of ${GROUPS.length} groups × ${running.length} cases`);
  for (let round = 0; round < settings.rounds; round += 1) {
    // Each round starts with a different case, so that no case always runs first or last.
    const order = running.map((_, i) => running[(i + round) % running.length] as OpenedCase);
    for (const [g, group] of GROUPS.entries()) {
      for (const o of order) {
        const sample = await measure(
          o.driver as CaseDriver,
          spaceOf(group),
          group.operation,
          group.concurrency,
          settings.durationMs,
        );
        samples[g]?.get(o.name)?.push(sample);
      }
    }
    log(`round ${round + 1}/${settings.rounds} done`);
  }
  return GROUPS.map((group, g) => summariseGroup(group, opened, samples[g] ?? new Map()));
}

/** Time the CLI's start-up commands on a store (and a PostgreSQL schema) holding one entry. */
async function runStartup() {
  const key = 'bench:startup';
  const value = jsonValue(0, VALUE_BYTES);
  const server = await postgresServer();
  let fixture: ReturnType<typeof openPostgresFixture> | undefined;
  const env: StartupEnv = {
    key,
    value,
    dataDir: async () => {
      const dataDir = dirs.copy();
      await seedEntry({ dataDir }, key, value);
      return dataDir;
    },
    postgres: async () => {
      if ('unavailable' in server) return server;
      fixture ??= openPostgresFixture(server.url, key, value);
      return fixture;
    },
  };
  log(`timing the CLI's start-up, ${settings.startupRuns} runs each`);
  try {
    return await timeStartup(STARTUP_COMMANDS, env, settings.startupRuns, scratchRoot);
  } finally {
    await (await fixture)?.drop();
    if ('stop' in server) await server.stop();
  }
}

/**
 * The PostgreSQL server of the start-up figures: PGCACHE_TEST_DATABASE_URL, else a throwaway
 * cluster of the installed server binaries (stopped and removed at the end), else none.
 */
async function postgresServer(): Promise<PostgresCluster | { url: string } | Unavailable> {
  const url = process.env['PGCACHE_TEST_DATABASE_URL'];
  if (url !== undefined && url !== '') return { url };
  const binDir = findPostgresBinDir();
  if (binDir === undefined) {
    return unavailable(
      'no PostgreSQL server binaries (initdb, pg_ctl) to start one; set PGCACHE_TEST_DATABASE_URL',
    );
  }
  log(`starting a throwaway PostgreSQL cluster (${binDir})`);
  return startPostgresCluster(binDir);
}

function positiveInteger(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`${flag} takes a positive integer, not ${text}`);
  return n;
}
