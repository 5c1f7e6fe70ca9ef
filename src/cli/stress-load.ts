import type { PgcacheConfig } from '../config/load-config.js';
import { UsageError } from '../errors/index.js';
import type { StressWorkers } from '../platform/stress-workers.js';
import { InProcessSource } from '../stress/in-process-source.js';
import type { LoadSource } from '../stress/load-source.js';
import { ProcessDriver } from '../stress/process-driver.js';
import { RemoteSource, type RemoteDriver } from '../stress/remote-source.js';
import { planScenarios } from '../stress/runner.js';
import { remoteUnsupported, type RemoteCapabilities } from '../stress/source-needs.js';
import type { TargetSet } from '../stress/targets.js';
import { storeExists } from '../store/open-store.js';
import { openThroughServe } from '../stress/through-serve.js';
import type { CliContext } from './context.js';
import type { StressFlags } from './stress-flags.js';
import { runningServe, startStressServe, type StressServe } from './stress-serve.js';
import { warn } from './with-store.js';

/** Where the load of a stress run comes from, as the flags ask. */
export type LoadMode =
  | { readonly kind: 'in-process' }
  | { readonly kind: 'processes'; readonly count: number }
  | { readonly kind: 'http' };

/**
 * The load the flags ask for; combinations that make no sense are usage errors (exit 2) before
 * anything is opened or started.
 */
export function loadMode(flags: StressFlags): LoadMode {
  if (flags.processes !== undefined && flags.http === true) {
    throw new UsageError('--processes and --http cannot be used together', {
      hint: 'Pick one: --processes N runs the load from N child processes through the store API, --http sends it to serve over HTTP.',
    });
  }
  if (flags.http === true && flags.rate !== undefined) {
    throw new UsageError('--rate cannot be used with --http', {
      hint: "autocannon keeps each connection busy (closed model) and times each request from when it was sent, so it cannot show a schedule's stalls; use --concurrency N with --http, or --rate without it.",
    });
  }
  if (flags.processes !== undefined) return { kind: 'processes', count: flags.processes };
  return flags.http === true ? { kind: 'http' } : { kind: 'in-process' };
}

/** What {@link openStressLoad} lets its caller do on the way. */
export interface StressLoadHooks {
  /** Called before serve starts, with the scenarios that will run (nobody owns the store yet). */
  readonly beforeServe?: (runnable: readonly string[]) => Promise<void>;
}

/** A stress run's load source, and what to stop once the run is over. */
export interface StressLoad {
  readonly source: LoadSource;
  /** Close this process's store, then stop the workers and the serve this run started. */
  close(): Promise<void>;
}

/**
 * The load source of a run. In-process: the configured store, created and migrated when missing.
 * `--processes N`: N worker processes that reach the store through `pgcache serve` (started here,
 * or one already serving the data directory) or straight on the PostgreSQL server. `--http`:
 * autocannon in this process against a serve (started here, also for `--database-url`, or one
 * already serving). The data directory is only ever opened by one process at a time.
 */
export async function openStressLoad(
  ctx: CliContext,
  flags: StressFlags,
  config: PgcacheConfig,
  targets: TargetSet,
  hooks: StressLoadHooks = {},
): Promise<StressLoad> {
  const mode = loadMode(flags);
  const fresh = config.databaseUrl === undefined && !storeExists(config.dataDir);
  const base = new InProcessSource({
    config,
    // Beside serve (--processes, --http), this process is one of its clients too.
    openStore:
      mode.kind === 'in-process' ? ctx.openStore : openThroughServe(ctx.openStore, ctx.host),
    clock: ctx.clock,
    host: ctx.host,
    onWarning: (message) => warn(ctx, message),
    operationBudgetMs: operationBudget(config),
    firstOpen:
      fresh && mode.kind === 'in-process'
        ? { create: true, migrations: 'apply' }
        : { create: false, migrations: 'require' },
  });
  if (mode.kind === 'in-process') {
    planScenarios(targets, flags.scenario, base); // unknown ids: a usage error before anything opens
    await base.client(); // a store that cannot be opened is the command's error, not a scenario's
    return { source: base, close: () => base.release() };
  }
  return openRemoteLoad(ctx, { flags, config, targets, hooks }, mode, base);
}

interface LoadRequest {
  readonly flags: StressFlags;
  readonly config: PgcacheConfig;
  readonly targets: TargetSet;
  readonly hooks: StressLoadHooks;
}

async function openRemoteLoad(
  ctx: CliContext,
  { flags, config, targets, hooks }: LoadRequest,
  mode: Exclude<LoadMode, { kind: 'in-process' }>,
  base: InProcessSource,
): Promise<StressLoad> {
  const embedded = config.databaseUrl === undefined;
  const flag = mode.kind === 'http' ? '--http' : `--processes ${mode.count}`;
  const running = runningServe(ctx, config);
  // --processes on a PostgreSQL server needs no serve: the workers reach the server themselves.
  const needsServe = mode.kind === 'http' || embedded;
  const caps: RemoteCapabilities = {
    kind: mode.kind,
    flag,
    serve: needsServe ? (running ?? { startedByRun: true, pid: 0 }) : undefined,
  };
  const { runnable } = planScenarios(targets, flags.scenario, {
    label: flag,
    unsupported: (need) => remoteUnsupported(caps, need),
  });
  if (embedded && !storeExists(config.dataDir)) await createStore(ctx, config);
  await hooks.beforeServe?.(runnable.map((s) => s.id));
  const stops: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    await base.release().catch(() => undefined);
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    // serve and the workers start side by side (the workers reach serve only once a load runs).
    const [served, spawned] = await Promise.allSettled([
      running === undefined && needsServe ? startStressServe(ctx, flags, config) : undefined,
      mode.kind === 'processes' ? startWorkers(ctx, mode.count) : undefined,
    ]);
    const started = served.status === 'fulfilled' ? served.value : undefined;
    const workers = spawned.status === 'fulfilled' ? spawned.value : undefined;
    if (started !== undefined) stops.push(() => started.stop());
    if (workers !== undefined) stops.push(() => workers.close());
    for (const s of [served, spawned]) if (s.status === 'rejected') throw s.reason;
    const owner = running ?? started;
    const source = new RemoteSource({
      caps: { ...caps, serve: owner },
      base,
      driver: await remoteDriver(ctx, config, { workers, owner }),
      owner,
      restartOwnerForTuning: mode.kind === 'http',
      workers: workers?.channels.map((c) => c.pid) ?? [],
    });
    await source.client(); // a store that cannot be reached is the command's error
    return { source, close };
  } catch (error) {
    await close();
    throw error;
  }
}

// The workers (execa) and the HTTP driver (autocannon) are loaded only by the runs that use them:
// `stress --list`, `--help` and an in-process run do without both.
async function startWorkers(ctx: CliContext, count: number): Promise<StressWorkers> {
  const { startStressWorkers } = await import('../platform/stress-workers.js');
  return startStressWorkers(count, { env: ctx.env, cwd: ctx.cwd });
}

async function remoteDriver(
  ctx: CliContext,
  config: PgcacheConfig,
  { workers, owner }: { workers: StressWorkers | undefined; owner: StressServe | undefined },
): Promise<RemoteDriver> {
  const operationBudgetMs = operationBudget(config);
  if (workers !== undefined) {
    return new ProcessDriver(workers.channels, {
      config,
      operationBudgetMs,
      onWarning: (message) => warn(ctx, `stress worker: ${message}`),
    });
  }
  if (owner === undefined) throw new Error('an HTTP load needs a serve');
  const { HttpDriver } = await import('../stress/http-driver.js');
  return new HttpDriver({
    url: () => owner.httpUrl,
    token: config.serve.token,
    timeoutMs: operationBudgetMs,
    clock: ctx.clock,
  });
}

// A stress operation has the budget of a get, within the run's.
const operationBudget = (config: PgcacheConfig): number => Math.min(30_000, config.timeoutMs);

// Create and migrate a missing store (as `init` does) before serve opens it.
async function createStore(ctx: CliContext, config: PgcacheConfig): Promise<void> {
  const store = await ctx.openStore({
    config,
    create: true,
    migrations: 'apply',
    clock: ctx.clock,
    host: ctx.host,
    onWarning: (message) => warn(ctx, message),
  });
  await store.close();
}
