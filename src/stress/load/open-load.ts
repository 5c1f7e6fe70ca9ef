import type { Clock } from '../../clock.js';
import type { PgcacheConfig } from '../../config/load-config.js';
import type { Host } from '../../platform/host.js';
import { storeExists, type OpenStoreOptions } from '../../store/open-store.js';
import type { Store } from '../../store/store.js';
import type { StressLauncher } from '../launcher.js';
import { loadModeLabel, type LoadMode, type StressPlan } from '../plan.js';
import { InProcessSource } from './in-process-source.js';
import type { LoadSource } from './load-source.js';
import { ProcessDriver } from './process-driver.js';
import { RemoteSource, type RemoteDriver } from './remote-source.js';
import { startStressServe, type ServeSettings, type StressServe } from './stress-serve.js';
import type { StressWorkers } from './worker-protocol.js';
import { openThroughServe } from './through-serve.js';

/** What opening a run's load needs. */
export interface LoadDeps {
  readonly config: PgcacheConfig;
  readonly launcher: StressLauncher;
  readonly openStore: (options: OpenStoreOptions) => Promise<Store>;
  readonly clock: Clock;
  readonly host: Host;
  readonly onWarning: (message: string) => void;
  /** Settings a serve started for the run must use too. @default none */
  readonly serveSettings?: ServeSettings;
  /** Called before serve starts (nobody owns the store yet). */
  readonly beforeServe?: () => Promise<void>;
}

/** A stress run's load source, and what to stop once the run is over. */
export interface StressLoad {
  readonly source: LoadSource;
  /** Close this process's store, then stop the workers and the serve this run started. */
  close(): Promise<void>;
}

/**
 * The load source of a planned run. In-process: the configured store, created and migrated when
 * missing. `--processes N`: N worker processes that reach the store through `pgcache serve`
 * (started here, or the one already serving the data directory) or straight on the PostgreSQL
 * server. `--http`: autocannon in this process against a serve (started here, also for a
 * server, or the one already serving). The data directory is only ever opened by one process at
 * a time.
 */
export async function openStressLoad(plan: StressPlan, deps: LoadDeps): Promise<StressLoad> {
  const { config } = deps;
  const load = plan.load;
  const fresh = config.databaseUrl === undefined && !storeExists(config.dataDir);
  const base = new InProcessSource({
    config,
    // Beside serve (--processes, --http), this process is one of its clients too.
    openStore:
      load.kind === 'in-process' ? deps.openStore : openThroughServe(deps.openStore, deps.host),
    clock: deps.clock,
    host: deps.host,
    onWarning: deps.onWarning,
    operationBudgetMs: operationBudget(config),
    firstOpen:
      fresh && load.kind === 'in-process'
        ? { create: true, migrations: 'apply' }
        : { create: false, migrations: 'require' },
  });
  if (load.kind === 'in-process') {
    await deps.beforeServe?.();
    await base.client(); // a store that cannot be opened is the command's error, not a scenario's
    return { source: base, close: () => base.release() };
  }
  return openRemoteLoad(plan, deps, load, base);
}

async function openRemoteLoad(
  plan: StressPlan,
  deps: LoadDeps,
  mode: Exclude<LoadMode, { kind: 'in-process' }>,
  base: InProcessSource,
): Promise<StressLoad> {
  const { config } = deps;
  const embedded = config.databaseUrl === undefined;
  const running = plan.runningServe;
  const needsServe = mode.kind === 'http' || embedded;
  if (embedded && !storeExists(config.dataDir)) await createStore(deps);
  await deps.beforeServe?.();
  const stops: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    await base.release().catch(() => undefined);
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    // serve and the workers start side by side (the workers reach serve only once a load runs).
    const [served, spawned] = await Promise.allSettled([
      running === undefined && needsServe
        ? startStressServe(deps.launcher, config, deps.serveSettings ?? {})
        : undefined,
      mode.kind === 'processes' ? deps.launcher.startWorkers(mode.count) : undefined,
    ]);
    const started = served.status === 'fulfilled' ? served.value : undefined;
    const workers = spawned.status === 'fulfilled' ? spawned.value : undefined;
    if (started !== undefined) stops.push(() => started.stop());
    if (workers !== undefined) stops.push(() => workers.close());
    for (const s of [served, spawned]) if (s.status === 'rejected') throw s.reason;
    const owner = running ?? started;
    const source = new RemoteSource({
      caps: { kind: mode.kind, flag: loadModeLabel(mode), serve: owner },
      base,
      driver: await remoteDriver(deps, { workers, owner }),
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

// The HTTP driver (autocannon) is loaded only by the runs that use it.
async function remoteDriver(
  deps: LoadDeps,
  { workers, owner }: { workers: StressWorkers | undefined; owner: StressServe | undefined },
): Promise<RemoteDriver> {
  const operationBudgetMs = operationBudget(deps.config);
  if (workers !== undefined) {
    return new ProcessDriver(workers.channels, {
      config: deps.config,
      operationBudgetMs,
      onWarning: (message) => deps.onWarning(`stress worker: ${message}`),
    });
  }
  if (owner === undefined) throw new Error('an HTTP load needs a serve');
  const { HttpDriver } = await import('./http-driver.js');
  return new HttpDriver({
    url: () => owner.httpUrl,
    token: deps.config.serve.token,
    timeoutMs: operationBudgetMs,
    clock: deps.clock,
  });
}

// A stress operation has the budget of a get, within the run's.
const operationBudget = (config: PgcacheConfig): number => Math.min(30_000, config.timeoutMs);

// Create and migrate a missing store (as `init` does) before serve opens it.
async function createStore(deps: LoadDeps): Promise<void> {
  const store = await deps.openStore({
    config: deps.config,
    create: true,
    migrations: 'apply',
    clock: deps.clock,
    host: deps.host,
    onWarning: deps.onWarning,
  });
  await store.close();
}
