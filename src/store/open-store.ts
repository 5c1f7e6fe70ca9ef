import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { systemClock, type Clock } from '../clock.js';
import {
  loadConfig,
  assertValidConfig,
  type PgcacheConfig,
  type SettingValue,
} from '../config/load-config.js';
import type { SettingKey } from '../config/settings.js';
import { CallWatch } from '../control/call-watch.js';
import {
  controlSocketPath,
  removeSocketFile,
  socketPathTooLong,
} from '../control/control-socket.js';
import { StoreOwner, registerStoreOwner } from '../control/store-owner.js';
import { acquireDataDirLock, type DataDirLock } from '../db/data-dir-lock.js';
import type { Database } from '../db/database.js';
import type { WireDatabase, WireDatabaseOptions } from '../db/wire-database.js';
import { redactUrl } from '../config/redact-url.js';
import { NotInitialisedError, StoreUnavailableError, type LockOwner } from '../errors/index.js';
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
import { persistBreaker, readBreakerDocument } from './breaker-persistence.js';
import { openAlone, openShared, type OpenedCore } from './shared-stores.js';
import { Store } from './store.js';
import { StoreCore } from './store-core.js';
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
   * Listen on the data directory's control socket (`DATA_DIR/pgcache.sock`, mode 0600, named in
   * the lock file) while the store is open, so that `pgcache stats`, `get`, `maintain`, `doctor`…
   * in other processes go through this one instead of failing with E_STORE_LOCKED. `false` keeps
   * them out. @default true
   */
  readonly control?: boolean;
  /**
   * How long `close()` lets operations other processes asked for on the control socket finish
   * before the store closes under them (they are then told to retry). @default 5000
   */
  readonly controlCloseGraceMs?: number;
  /**
   * Open the store as a client of a running `pgcache serve`'s Postgres wire endpoint instead of
   * the directory (the load of `stress --processes`): its URL, the token as password, and how
   * messages name it, e.g. `serve, pid 4242`. No lock, no control socket.
   */
  readonly serveEndpoint?: { readonly url: string; readonly via: string };
  /**
   * Run the embedded store's PGlite in a worker thread of its own. Needed where SQL pgcache did
   * not write runs on the store (`serve`'s wire endpoint; `startServe` refuses a store without
   * it): a statement then never stops this process's event loop (HTTP, health, the control socket
   * keep answering), a hung one is terminated and replaced, and a poisoned instance cannot abort
   * the process. The price is two thread wake-ups per call (about 3x the time of a get).
   * Without it PGlite runs in this thread, as PGlite itself does, and a store call costs what the
   * statement costs; pgcache's own statements are short. @default false
   */
  readonly thread?: boolean;
  /** Problems that do not stop the store (a stale lock cleared, a flush that failed). */
  readonly onWarning?: (message: string) => void;
  /**
   * Names this process in other processes' figures: the requests on its control socket, the
   * maintenance ledger. @default 'pgcache'
   */
  readonly applicationName?: string;
}

/** The PGlite files live in this subdirectory of the data directory, beside the lock file. */
export const PGDATA_DIR_NAME = 'pgdata';

/**
 * Open the cache store: take the data directory's lock, open the database, check (or apply) the
 * migrations, build the resilience path, and listen on the control socket for other pgcache
 * processes. A location already open in this process with the same settings is not opened again:
 * the result is another handle on that store (the last handle's `close()` closes it). The caller
 * owns its handle and must `close()` it. A directory another live process owns is refused with
 * E_STORE_LOCKED (commands go through that owner instead: `StoreAccess`).
 */
export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const config = options.config ?? resolveLibraryConfig(options);
  // A wrapped database or serve's endpoint makes a store of its own, never a shared one.
  if (options.wrapDatabase !== undefined || options.serveEndpoint !== undefined) {
    return openAlone(() => openStoreCore(config, options));
  }
  return openShared(sharedLocation(config), fingerprint(config, options), () =>
    openStoreCore(config, options),
  );
}

// One store per data directory (or server) in this process.
function sharedLocation(config: PgcacheConfig): string {
  if (config.databaseUrl !== undefined) return `server ${redactUrl(config.databaseUrl)}`;
  // Resolved through symlinks, a directory not made yet by its parent (/tmp → /private/tmp), so
  // that its first open and the next agree on where it is.
  const dir = resolve(config.dataDir);
  const real = existsSync(dir)
    ? realpathSync(dir)
    : existsSync(dirname(dir))
      ? join(realpathSync(dirname(dir)), basename(dir))
      : dir;
  return `data directory ${real}`;
}

// What must match for a second open to share the store: the settings, the clock, the host, and
// how it was opened (control socket, thread, schema checked or not).
const identities = new WeakMap<object, number>();
let nextIdentity = 1;
function fingerprint(config: PgcacheConfig, options: OpenStoreOptions): string {
  const id = (thing: object): number => {
    if (!identities.has(thing)) identities.set(thing, nextIdentity++);
    return identities.get(thing) ?? 0;
  };
  const { clock = systemClock, host = nodeHost } = options;
  return JSON.stringify([
    // The location is the key already: the same directory spelled another way is the same store.
    { ...config, dataDir: undefined },
    id(clock),
    id(host),
    options.control !== false,
    options.thread === true,
    // A store opened without the schema check is not one a checking open may join ('apply' and
    // 'require' both find the schema current once the first open has checked it).
    options.migrations === 'skip',
  ]);
}

async function openStoreCore(
  config: PgcacheConfig,
  options: OpenStoreOptions,
): Promise<OpenedCore> {
  const clock = options.clock ?? systemClock;
  const host = options.host ?? nodeHost;
  const backend = await openBackend(config, options, { clock, host });
  const { database } = backend;
  try {
    await applyMigrationPolicy(database, options.migrations ?? 'apply', clock);
    // The owner creates the indexes its configuration declares (a client of serve does not).
    if (options.serveEndpoint === undefined && options.migrations !== 'skip')
      await ensureValueIndexes(database, config.indexes);
    const runner = new CallWatch(
      new ResilientRunner(config, {
        database: options.wrapDatabase?.(database) ?? database,
        clock,
        breakerInitialState: await readBreakerDocument(database, 'store'),
      }),
      { clock, operationTimeoutMs: config.operationTimeoutMs },
    );
    const persisted = persistBreaker(runner.breaker, database, clock, options.onWarning);
    // The owner is made with the store; the store's close() asks it to close its socket first.
    const closing: { owner?: StoreOwner } = {};
    const store = new StoreCore(config, {
      database,
      runner,
      clock,
      lock: backend.kind === 'embedded' ? backend.lock : undefined,
      onWarning: options.onWarning,
      beforeClose: async () => closing.owner?.close(options.controlCloseGraceMs ?? 5000),
      onClose: () => persisted.close(),
      // A client of serve's endpoint shares serve's session: no advisory lock of its own there.
      maintenanceLock:
        backend.kind === 'server' && options.serveEndpoint === undefined
          ? (deadline, ifIdle) =>
              waitForMaintenanceLock(() => backend.database.trySessionLock(MAINTAIN_LOCK_KEY), {
                clock,
                deadline,
                once: ifIdle,
              })
          : undefined,
    });
    const owner = new StoreOwner({
      // The owner's own handle: not counted, it lasts as long as the store.
      store: new Store(store, () => Promise.resolve()),
      database,
      config,
      clock,
      watch: runner,
      self: { pid: host.pid, name: options.applicationName ?? 'pgcache' },
      host,
      ...(backend.kind === 'embedded' ? { lock: backend.lock, instance: backend.database } : {}),
      onWarning: options.onWarning,
    });
    closing.owner = owner;
    if (backend.kind === 'embedded' && backend.control !== undefined) {
      await listenForOthers(owner, backend.control, options.onWarning);
    }
    return { core: store, onHandle: (handle) => registerStoreOwner(handle, owner) };
  } catch (error) {
    await database.close();
    if (backend.kind === 'embedded') backend.lock.release();
    throw error;
  }
}

// A control socket that cannot be opened leaves the store usable, but unreachable: say so, and
// take the socket out of the lock file so that others fail at once naming this process.
async function listenForOthers(
  owner: StoreOwner,
  path: string,
  onWarning: ((message: string) => void) | undefined,
): Promise<void> {
  try {
    await owner.listen(path);
  } catch (error) {
    owner.withdrawControl();
    onWarning?.(`other pgcache processes cannot reach this store: ${(error as Error).message}`);
  }
}

/** The database a store runs on: its own data directory, or a server (PostgreSQL, or serve's). */
type Backend =
  | {
      readonly kind: 'embedded';
      readonly database: SupervisedDatabase;
      readonly lock: DataDirLock;
      /** The control socket to listen on (advertised in the lock), if any. */
      readonly control: string | undefined;
    }
  | { readonly kind: 'server'; readonly database: WireDatabase };

async function openBackend(
  config: PgcacheConfig,
  options: OpenStoreOptions,
  deps: { clock: Clock; host: Host },
): Promise<Backend> {
  const onWarning = options.onWarning === undefined ? {} : { onWarning: options.onWarning };
  if (options.serveEndpoint !== undefined) {
    // A client of serve's wire endpoint: serve owns the directory and its session.
    const { url, via } = options.serveEndpoint;
    const database = await openWireDatabase({
      url,
      poolSize: config.pool.size,
      via,
      location: config.dataDir,
      ...(options.applicationName === undefined
        ? {}
        : { applicationName: options.applicationName }),
      ...onWarning,
    });
    return { kind: 'server', database };
  }
  if (config.databaseUrl !== undefined) {
    // A server needs no lock file: PostgreSQL arbitrates between processes itself.
    const database = await openWireDatabase({
      url: config.databaseUrl,
      poolSize: config.pool.size,
      statementTimeoutMs: config.operationTimeoutMs,
      ...onWarning,
    });
    return { kind: 'server', database };
  }
  if (options.create === false && !storeExists(config.dataDir)) {
    throw new NotInitialisedError(`there is no store in ${config.dataDir}`, {
      hint: 'Run `pgcache init` to create it, or point --data-dir / PGCACHE_DATA_DIR at an existing store.',
    });
  }
  const control = options.control === false ? undefined : controlSocketPath(config.dataDir);
  if (options.control !== false && control === undefined) {
    options.onWarning?.(
      `other pgcache processes cannot reach this store while it is open: ${socketPathTooLong(config.dataDir)}`,
    );
  }
  const lock = prepareDataDir(config.dataDir, { ...deps, onWarning: options.onWarning, control });
  try {
    // A crashed or hung instance is replaced on the same directory; the lock stays held.
    const database = await openSupervisedDatabase({
      clock: deps.clock,
      open: async () =>
        (await import('../db/embedded-database.js')).openEmbeddedDatabase({
          pgDataDir: join(config.dataDir, PGDATA_DIR_NAME),
          location: config.dataDir,
          thread: options.thread === true,
        }),
    });
    return { kind: 'embedded', database, lock, control };
  } catch (error) {
    lock.release();
    throw error;
  }
}

// The driver loads only when used: `pg` for a server (tens of milliseconds of start-up that a
// command on a data directory does not need).
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
  deps: {
    clock: Clock;
    host: Host;
    onWarning?: ((message: string) => void) | undefined;
    /** The control socket to advertise in the lock. */
    control?: string | undefined;
  },
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
    control: deps.control,
    onStaleLock: (owner: LockOwner) => {
      const socket = clearStaleSocket(dataDir, owner) ? ' and its control socket' : '';
      deps.onWarning?.(
        `cleared a stale lock${socket} on ${dataDir} left by pid ${owner.pid} (started ${owner.startedAt}), which is no longer running`,
      );
    },
  });
}

/**
 * Remove the control socket a dead owner of `dataDir` left (named in its stale lock, and only
 * the directory's own); true when one was removed.
 */
export function clearStaleSocket(dataDir: string, owner: LockOwner): boolean {
  const path = owner.endpoints?.control;
  return path !== undefined && path === controlSocketPath(dataDir) && removeSocketFile(path);
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
