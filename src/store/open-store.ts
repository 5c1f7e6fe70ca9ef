import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock, type Clock } from '../clock.js';
import {
  loadConfig,
  assertValidConfig,
  type PgcacheConfig,
  type SettingValue,
} from '../config/load-config.js';
import type { SettingKey } from '../config/settings.js';
import { acquireDataDirLock, type DataDirLock } from '../db/data-dir-lock.js';
import type { Database } from '../db/database.js';
import type { WireDatabase, WireDatabaseOptions } from '../db/wire-database.js';
import {
  NotInitialisedError,
  StoreLockedError,
  StoreUnavailableError,
  type LockOwner,
} from '../errors/index.js';
import { MAINTAIN_LOCK_KEY, waitForMaintenanceLock } from '../maintain/maintenance-lock.js';
import {
  MIGRATIONS,
  assertSchemaCurrent,
  migrateUp,
  readMigrationStatus,
} from '../migrations/index.js';
import { nodeHost, type Host } from '../platform/host.js';
import { ResilientRunner } from '../resilience/operation-runner.js';
import {
  openSupervisedDatabase,
  type SupervisedDatabase,
} from '../resilience/instance-supervisor.js';
import { isLoopback, serveUrl } from '../serve/addresses.js';
import { OwnerClient } from '../serve/owner-client.js';
import { persistBreaker, readBreakerDocument } from './breaker-persistence.js';
import { registerOwnedStore, type OwnerApi } from './owned-store.js';
import { Store } from './store.js';
import { ensureValueIndexes } from './value-indexes.js';

/** What to do about migrations when a store opens. */
export type MigrationPolicy = 'apply' | 'require' | 'skip';

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** Embedded data directory. @default './.pgcache' */
  readonly dataDir?: string;
  /** A PostgreSQL server instead of the embedded store. */
  readonly databaseUrl?: string;
  /** Any setting by its config-file key, e.g. `{ maxSizeBytes: '50MB', 'queue.maxLength': 100 }`. */
  readonly settings?: Partial<Record<SettingKey, SettingValue>>;
  /** A fully resolved configuration (the CLI passes its own); overrides the three options above. */
  readonly config?: PgcacheConfig;
  /** `apply` pending migrations, `require` none pending (exit 78 otherwise), or `skip` the check. @default 'apply' */
  readonly migrations?: MigrationPolicy;
  /** Create the store when the data directory holds none; otherwise refuse with E_NOT_INITIALISED. @default true */
  readonly create?: boolean;
  readonly clock?: Clock;
  readonly host?: Host;
  /**
   * Wrap the database the resilience path talks to, e.g. to inject scripted faults (the breaker
   * scenario of `stress`, tests). Applied after migrations.
   */
  readonly wrapDatabase?: (database: Database) => Database;
  /**
   * When a live `serve` owns the data directory, go through its endpoints (`false`: fail with
   * E_STORE_LOCKED, as `serve` itself does). @default true
   */
  readonly route?: boolean;
  /** Problems that do not stop the store (a stale lock cleared, a flush that failed). */
  readonly onWarning?: (message: string) => void;
  /**
   * Names this store's connections through `serve` (its list of wire clients), e.g. so that a
   * process can tell its own connections from the others. @default 'pgcache'
   */
  readonly applicationName?: string;
}

/** What to do when `serve` refuses this process for want of its token. */
export const SERVE_TOKEN_HINT =
  'Set PGCACHE_TOKEN (or serve.token in pgcache.config.json) to the --token serve was started with.';

/** `serve` (named by `via`) turned this process away: no token given, or a wrong one. */
export function serveRefused(via: string, token: string | undefined, cause: unknown): Error {
  const why = token === undefined ? 'requires a token and none was given' : 'refused the token';
  return new StoreUnavailableError(`${via} ${why}`, { cause, hint: SERVE_TOKEN_HINT });
}

/** The PGlite files live in this subdirectory of the data directory, beside the lock file. */
export const PGDATA_DIR_NAME = 'pgdata';

/**
 * Open the cache store: take the data directory's lock, open the database, check (or apply) the
 * migrations and build the resilience path. The caller owns the store and must `close()` it.
 */
export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const clock = options.clock ?? systemClock;
  const host = options.host ?? nodeHost;
  const config = options.config ?? resolveLibraryConfig(options);
  const backend = await openBackend(config, options, { clock, host });
  const { database } = backend;
  try {
    await applyMigrationPolicy(database, options.migrations ?? 'apply', clock);
    // Through serve, the owner's breaker guards the store: this one only guards the route to it.
    const routed = backend.kind === 'serve';
    // The owner creates the indexes its configuration declares (a process through serve does not).
    if (!routed && options.migrations !== 'skip')
      await ensureValueIndexes(database, config.indexes);
    const runner = new ResilientRunner(config, {
      database: options.wrapDatabase?.(database) ?? database,
      clock,
      breakerInitialState: routed ? undefined : await readBreakerDocument(database, 'store'),
    });
    const persisted = routed
      ? undefined
      : persistBreaker(runner.breaker, database, clock, options.onWarning);
    const store = new Store(config, {
      database,
      runner,
      clock,
      lock: backend.kind === 'embedded' ? backend.lock : undefined,
      onWarning: options.onWarning,
      onClose: () => persisted?.close(),
      owner: backend.kind === 'serve' ? backend.owner : undefined,
      maintenanceLock:
        backend.kind === 'server'
          ? (deadline) =>
              waitForMaintenanceLock(() => backend.database.trySessionLock(MAINTAIN_LOCK_KEY), {
                clock,
                deadline,
              })
          : undefined,
    });
    if (backend.kind === 'embedded') registerOwnedStore(store, backend);
    return store;
  } catch (error) {
    await database.close();
    if (backend.kind === 'embedded') backend.lock.release();
    throw error;
  }
}

/** The database a store runs on: its own data directory, a server, or a `serve` process. */
type Backend =
  | { readonly kind: 'embedded'; readonly database: SupervisedDatabase; readonly lock: DataDirLock }
  | { readonly kind: 'server'; readonly database: WireDatabase }
  | { readonly kind: 'serve'; readonly database: WireDatabase; readonly owner: OwnerApi };

async function openBackend(
  config: PgcacheConfig,
  options: OpenStoreOptions,
  deps: { clock: Clock; host: Host },
): Promise<Backend> {
  if (config.databaseUrl !== undefined) {
    // A server needs no lock file: PostgreSQL arbitrates between processes itself.
    const database = await openWireDatabase({
      url: config.databaseUrl,
      poolSize: config.pool.size,
      statementTimeoutMs: config.operationTimeoutMs,
      ...(options.onWarning === undefined ? {} : { onWarning: options.onWarning }),
    });
    return { kind: 'server', database };
  }
  if (options.create === false && !storeExists(config.dataDir)) {
    throw new NotInitialisedError(`there is no store in ${config.dataDir}`, {
      hint: 'Run `pgcache init` to create it, or point --data-dir / PGCACHE_DATA_DIR at an existing store.',
    });
  }
  let lock: DataDirLock;
  try {
    lock = prepareDataDir(config.dataDir, { ...deps, onWarning: options.onWarning });
  } catch (error) {
    // A live owner that serves: go through it instead of failing with E_STORE_LOCKED.
    if (options.route !== false && reachableServe(error, deps.host)) {
      return openThroughServe(config, error, deps.clock, options);
    }
    throw error;
  }
  try {
    // A crashed or hung instance is replaced on the same directory; the lock stays held.
    const database = await openSupervisedDatabase({
      clock: deps.clock,
      open: async () =>
        (await import('../db/embedded-database.js')).openEmbeddedDatabase({
          pgDataDir: join(config.dataDir, PGDATA_DIR_NAME),
          location: config.dataDir,
        }),
    });
    return { kind: 'embedded', database, lock };
  } catch (error) {
    lock.release();
    throw error;
  }
}

function reachableServe(error: unknown, host: Host): error is StoreLockedError {
  return error instanceof StoreLockedError && servesReachably(error.owner, host);
}

/**
 * True when `owner` is a `serve` this process can go through: it advertises both endpoints, and
 * a loopback one is only reachable from the owner's own host (the lock may sit on a shared file
 * system).
 */
export function servesReachably(owner: LockOwner, host: Host): boolean {
  const pg = owner.endpoints?.pg;
  if (pg === undefined || owner.endpoints?.http === undefined) return false;
  return owner.host === host.hostname || !isLoopback(pg.host);
}

async function openThroughServe(
  config: PgcacheConfig,
  locked: StoreLockedError,
  clock: Clock,
  { onWarning, applicationName }: OpenStoreOptions,
): Promise<Backend> {
  const { owner } = locked;
  const pg = owner.endpoints?.pg;
  const http = owner.endpoints?.http;
  if (pg === undefined || http === undefined) throw locked;
  const via = `serve, pid ${owner.pid}`;
  const token = config.serve.token;
  let database: WireDatabase;
  try {
    database = await openWireDatabase({
      url: serveUrl(pg, token),
      poolSize: config.pool.size,
      via,
      location: config.dataDir,
      ...(onWarning === undefined ? {} : { onWarning }),
      ...(applicationName === undefined ? {} : { applicationName }),
    });
  } catch (error) {
    // SQLSTATE class 28: invalid authorization (the wire password is serve's token).
    const sqlState = ((error as Error).cause as { code?: unknown } | undefined)?.code;
    if (typeof sqlState === 'string' && sqlState.startsWith('28')) {
      throw serveRefused(via, token, error);
    }
    // Its endpoint did not answer: it is starting or stopping. Temporary, like a plain owner.
    throw new StoreLockedError(
      `data directory ${config.dataDir} is served by pid ${owner.pid}, whose endpoint ${pg.host}:${pg.port} did not answer`,
      owner,
      { hint: 'Retry in a moment; if it keeps failing, check that the serve process is healthy.' },
    );
  }
  return { kind: 'serve', database, owner: new OwnerClient({ url: http.url, token, via }, clock) };
}

// The drivers load only when used: PGlite for a data directory, `pg` for a server or `serve`
// (each costs tens of milliseconds of start-up that a short command does not need twice).
async function openWireDatabase(options: WireDatabaseOptions): Promise<WireDatabase> {
  return (await import('../db/wire-database.js')).openWireDatabase(options);
}

/** True when `dataDir` holds a PGlite data directory. */
export function storeExists(dataDir: string): boolean {
  return existsSync(join(dataDir, PGDATA_DIR_NAME, 'PG_VERSION'));
}

function resolveLibraryConfig(options: OpenStoreOptions): PgcacheConfig {
  const settings: Record<string, SettingValue> = { ...options.settings };
  if (options.dataDir !== undefined) settings['dataDir'] = options.dataDir;
  if (options.databaseUrl !== undefined) settings['databaseUrl'] = options.databaseUrl;
  return assertValidConfig(loadConfig({ cwd: '.', overrides: settings, readConfigFile: false }));
}

/** Create the data directory (mode 0700) if needed and take its lock. */
export function prepareDataDir(
  dataDir: string,
  deps: { clock: Clock; host: Host; onWarning?: ((message: string) => void) | undefined },
): DataDirLock {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new StoreUnavailableError(
      `cannot create the data directory ${dataDir}: ${(error as Error).message}`,
      {
        cause: error,
        hint: 'Choose a writable location with --data-dir or PGCACHE_DATA_DIR.',
      },
    );
  }
  return acquireDataDirLock(dataDir, deps, {
    onStaleLock: (owner: LockOwner) =>
      deps.onWarning?.(
        `cleared a stale lock on ${dataDir} left by pid ${owner.pid} (started ${owner.startedAt}), which is no longer running`,
      ),
  });
}

async function applyMigrationPolicy(
  database: Database,
  policy: MigrationPolicy,
  clock: Clock,
): Promise<void> {
  switch (policy) {
    case 'skip':
      return;
    case 'apply':
      await migrateUp(database, { migrations: MIGRATIONS, clock });
      return;
    case 'require':
      assertSchemaCurrent(await readMigrationStatus(database, MIGRATIONS));
      return;
  }
}
