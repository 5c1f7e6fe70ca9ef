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
import { openEmbeddedDatabase } from '../db/embedded-database.js';
import { openWireDatabase } from '../db/wire-database.js';
import { NotInitialisedError, StoreUnavailableError, type LockOwner } from '../errors/index.js';
import {
  MIGRATIONS,
  assertSchemaCurrent,
  migrateUp,
  readMigrationStatus,
} from '../migrations/index.js';
import { nodeHost, type Host } from '../platform/host.js';
import { ResilientRunner } from '../resilience/operation-runner.js';
import { openSupervisedDatabase } from '../resilience/instance-supervisor.js';
import { persistBreaker, readBreakerDocument } from './breaker-persistence.js';
import { Store } from './store.js';

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
  /** Problems that do not stop the store (a stale lock cleared, a flush that failed). */
  readonly onWarning?: (message: string) => void;
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
  const { database, lock } = await openBackend(config, options, { clock, host });
  try {
    await applyMigrationPolicy(database, options.migrations ?? 'apply', clock);
    const runner = new ResilientRunner(config, {
      database: options.wrapDatabase?.(database) ?? database,
      clock,
      breakerInitialState: await readBreakerDocument(database, 'store'),
    });
    const persisted = persistBreaker(runner.breaker, database, clock, options.onWarning);
    return new Store(config, {
      database,
      runner,
      clock,
      lock,
      onWarning: options.onWarning,
      onClose: () => persisted.dispose(),
    });
  } catch (error) {
    await database.close();
    lock?.release();
    throw error;
  }
}

/** The database a store runs on, and the data-directory lock when it is embedded. */
interface Backend {
  readonly database: Database;
  readonly lock: DataDirLock | undefined;
}

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
    return { database, lock: undefined };
  }
  if (options.create === false && !storeExists(config.dataDir)) {
    throw new NotInitialisedError(`there is no store in ${config.dataDir}`, {
      hint: 'Run `pgcache init` to create it, or point --data-dir / PGCACHE_DATA_DIR at an existing store.',
    });
  }
  const lock = prepareDataDir(config.dataDir, { ...deps, onWarning: options.onWarning });
  try {
    // A crashed or hung instance is replaced on the same directory; the lock stays held.
    const database = await openSupervisedDatabase({
      clock: deps.clock,
      open: () =>
        openEmbeddedDatabase({
          pgDataDir: join(config.dataDir, PGDATA_DIR_NAME),
          location: config.dataDir,
        }),
    });
    return { database, lock };
  } catch (error) {
    lock.release();
    throw error;
  }
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
