import type { Clock } from '../clock.js';
import type { LoadedConfig, PgcacheConfig } from '../config/load-config.js';
import { formatDuration } from '../config/units.js';
import { readLock, type LockState } from '../db/data-dir-lock.js';
import {
  DeadlineExceededError,
  isPgcacheError,
  type LockOwner,
  type PgcacheError,
} from '../errors/index.js';
import type { Host } from '../platform/host.js';
import { servesReachably, storeExists, type OpenStoreOptions } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { installedVersion } from './package-version.js';
import { DEFAULT_THRESHOLDS, type DoctorThresholds } from './thresholds.js';

/** What callers tune in a doctor run. */
export interface DoctorOptions {
  /** Apply each check's safe, idempotent fix. @default false */
  readonly fix?: boolean;
  /** With `fix`, also apply pending migrations. @default false */
  readonly migrate?: boolean;
  /** Where warnings and failures start. @default DEFAULT_THRESHOLDS */
  readonly thresholds?: Partial<DoctorThresholds>;
}

/** What a doctor run is handed. */
export interface DoctorDeps {
  /** The configuration as loaded for this command, or the error that stopped it loading. */
  readonly config: LoadedConfig | PgcacheError;
  /** How to open the store (the CLI's, so that tests can wrap it). */
  readonly openStore: (options: OpenStoreOptions) => Promise<Store>;
  readonly host: Host;
  readonly clock: Clock;
  /** The working directory, for the cron line of the maintenance check. */
  readonly cwd: string;
  /** The installed version of a package. @default installedVersion */
  readonly packageVersion?: (name: string) => string | undefined;
  /** Problems met while opening or closing the store. */
  readonly onWarning?: (message: string) => void;
}

/** The store the checks share, or why there is none. */
export type StoreSession =
  | { readonly state: 'open'; readonly store: Store; readonly openMs: number }
  | {
      readonly state: 'unavailable';
      /** `warn` when something else stands in the way (an owner), `fail` when opening failed. */
      readonly status: 'warn' | 'fail';
      readonly reason: string;
      readonly fix: string;
    };

/**
 * What every check reads: the configuration, the host, the lock, and one store opened on demand
 * with `migrations: 'skip'`, closed at the end. The directory is never opened while another
 * process owns it: a live owner that serves is gone through (its wire endpoint and HTTP API, as
 * every other command does), any other owner makes the checks that need the store skip.
 */
export class DoctorContext {
  readonly deps: DoctorDeps;
  readonly fix: boolean;
  readonly migrate: boolean;
  readonly thresholds: DoctorThresholds;
  /** Names the doctor's connections through `serve`, so that its list of clients tells them apart. */
  readonly connectionName: string;
  #session: Promise<StoreSession> | undefined;

  constructor(options: DoctorOptions, deps: DoctorDeps) {
    this.deps = deps;
    this.connectionName = `pgcache doctor ${deps.host.pid}`;
    this.fix = options.fix ?? false;
    this.migrate = options.migrate ?? false;
    this.thresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
  }

  /** The loaded configuration, or undefined when it did not load. */
  get config(): PgcacheConfig | undefined {
    return isPgcacheError(this.deps.config) ? undefined : this.deps.config.config;
  }

  /** True when the store is an embedded data directory (not a PostgreSQL server). */
  get embedded(): boolean {
    return this.config !== undefined && this.config.databaseUrl === undefined;
  }

  /** Milliseconds since the epoch, on the injected clock. */
  now(): number {
    return this.deps.clock.now();
  }

  /** The installed version of `name`, or undefined when it is missing. */
  packageVersion(name: string): string | undefined {
    return (this.deps.packageVersion ?? installedVersion)(name);
  }

  /** The data directory's lock as it is on disk now (read afresh each time). */
  lock(dataDir: string): LockState {
    return readLock(dataDir, this.deps.host);
  }

  /** The live `serve` that owns the embedded data directory and can be gone through, if any. */
  servingOwner(): LockOwner | undefined {
    const config = this.config;
    if (config === undefined || !this.embedded) return undefined;
    const lock = this.lock(config.dataDir);
    if (lock.state !== 'live' && lock.state !== 'foreign') return undefined;
    return servesReachably(lock.owner, this.deps.host) ? lock.owner : undefined;
  }

  /** The shared store, opened on first use. */
  session(): Promise<StoreSession> {
    this.#session ??= this.#openSession();
    return this.#session;
  }

  /** Close the shared store (a later `session()` opens it again). Never rejects. */
  async closeSession(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    const s = await session;
    if (s?.state === 'open') await s.store.close();
  }

  /**
   * Open the store for inspection within the open budget: migrations are neither checked nor
   * applied and nothing is created. A store that opens after the budget ran out is closed.
   */
  async openStore(): Promise<Store> {
    const config = this.config;
    if (config === undefined) throw new Error('openStore() without a configuration');
    const budget = this.thresholds.openBudgetMs;
    const opening = this.deps.openStore({
      config,
      migrations: 'skip',
      create: false,
      applicationName: this.connectionName,
      clock: this.deps.clock,
      host: this.deps.host,
      ...(this.deps.onWarning === undefined ? {} : { onWarning: this.deps.onWarning }),
    });
    let timer: { cancel(): void } | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = this.deps.clock.setTimer(budget, () =>
        reject(
          new DeadlineExceededError(
            `the store did not open within ${formatDuration(budget)}`,
            'open',
            {
              hint: 'Run `pgcache doctor` again on a quieter machine; if it stays slow, the data directory may be damaged.',
            },
          ),
        ),
      );
    });
    try {
      return await Promise.race([opening, late]);
    } catch (error) {
      void opening.then(
        (store) => store.close(),
        () => undefined,
      );
      throw error;
    } finally {
      timer?.cancel();
    }
  }

  async #openSession(): Promise<StoreSession> {
    const config = this.config;
    if (config === undefined) {
      return unavailable('warn', 'the configuration does not load', 'Fix the config check first.');
    }
    if (this.embedded) {
      if (!storeExists(config.dataDir)) {
        return unavailable(
          'fail',
          `there is no store in ${config.dataDir}`,
          'Run `pgcache init` to create it, or point --data-dir / PGCACHE_DATA_DIR at your store.',
        );
      }
      const blocked = lockBlocks(this.lock(config.dataDir));
      if (blocked !== undefined && this.servingOwner() === undefined) return blocked;
    }
    const started = this.now();
    try {
      const store = await this.openStore();
      return { state: 'open', store, openMs: this.now() - started };
    } catch (error) {
      const took = formatDuration(this.now() - started);
      const message = isPgcacheError(error) ? `[${error.code}] ${error.message}` : String(error);
      const hint = isPgcacheError(error) ? error.hint : undefined;
      return unavailable(
        'fail',
        `the store did not open (after ${took}): ${message}`,
        hint ?? 'Look at the data-dir and lock checks.',
      );
    }
  }
}

function unavailable(status: 'warn' | 'fail', reason: string, fix: string): StoreSession {
  return { state: 'unavailable', status, reason, fix };
}

// The checks that need the store never open a directory another process owns (one that serves
// is gone through instead), and never clear a stale lock behind the user's back: that is what
// `--fix` is for.
function lockBlocks(lock: LockState): StoreSession | undefined {
  switch (lock.state) {
    case 'free':
      return undefined;
    case 'live':
      return unavailable(
        'warn',
        `owned by pid ${lock.owner.pid} (running since ${lock.owner.startedAt})`,
        `Stop pid ${lock.owner.pid} and run \`pgcache doctor\` again, or keep the store open with \`pgcache serve\` instead (doctor goes through a serving owner); pgcache never opens a directory another process owns.`,
      );
    case 'foreign':
      return unavailable(
        'warn',
        `locked by pid ${lock.owner.pid} on another host (${lock.owner.host})`,
        'See the lock check.',
      );
    case 'stale':
      return unavailable(
        'warn',
        `a stale lock of pid ${lock.owner.pid} is in the way`,
        'Run `pgcache doctor --fix` to remove it.',
      );
    case 'unreadable':
      return unavailable(
        'fail',
        `the lock file is unreadable (${lock.reason})`,
        'See the lock check.',
      );
  }
}
