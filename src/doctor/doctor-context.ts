import type { Clock } from '../clock.js';
import type { LoadedConfig, PgcacheConfig } from '../config/load-config.js';
import { formatDuration } from '../config/units.js';
import { controlSocketPath } from '../control/control-socket.js';
import { StoreAccess } from '../control/store-access.js';
import { readLock, type LockState } from '../db/data-dir-lock.js';
import {
  DeadlineExceededError,
  isPgcacheError,
  type LockOwner,
  type PgcacheError,
} from '../errors/index.js';
import { healthOperation } from '../operations/health.js';
import type { Operation } from '../operations/operation.js';
import type { Host } from '../platform/host.js';
import { Deadline } from '../resilience/deadline.js';
import { storeExists, type OpenStoreOptions } from '../store/open-store.js';
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
  | {
      readonly state: 'open';
      /** The store itself, or the owner's control socket. */
      readonly access: StoreAccess;
      readonly openMs: number;
    }
  | {
      readonly state: 'unavailable';
      /** `skip` when something else stands in the way (an owner), `fail` when opening failed. */
      readonly status: 'skip' | 'fail';
      readonly reason: string;
      readonly fix: string;
    };

/**
 * What every check reads: the configuration, the host, the lock, and the store, reached on
 * demand with `migrations: 'skip'` and let go at the end. The directory is never opened while
 * another process owns it: a live owner is gone through (its control socket, as every other
 * command does); an owner that cannot be reached makes the checks that need the store skip.
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

  /** The live owner of the embedded data directory that can be gone through, if any. */
  reachableOwner(): LockOwner | undefined {
    const config = this.config;
    if (config === undefined || !this.embedded) return undefined;
    const lock = this.lock(config.dataDir);
    if (lock.state !== 'live') return undefined;
    const control = lock.owner.endpoints?.control;
    return control !== undefined && control === controlSocketPath(config.dataDir)
      ? lock.owner
      : undefined;
  }

  /** A deadline of one doctor call: the configured budget of a command. */
  deadline(): Deadline {
    return Deadline.after(this.deps.clock, this.config?.timeoutMs ?? 30_000);
  }

  /**
   * Run a probe (or a fix) where the store is owned: in this process, or on the owner through
   * its control socket. Only with an open session.
   */
  async probe<I, R>(operation: Operation<I, R>, input: I): Promise<R> {
    const session = await this.session();
    if (session.state !== 'open') throw new Error('probe() without an open session');
    return session.access.run(operation, input, this.deadline());
  }

  /** The shared store, opened on first use. */
  session(): Promise<StoreSession> {
    this.#session ??= this.#openSession();
    return this.#session;
  }

  /** Let the shared store go (a later `session()` reaches it again). Never rejects. */
  async closeSession(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    const s = await session;
    if (s?.state === 'open') await s.access.close();
  }

  /**
   * Open the store in this process for inspection within the open budget: migrations are neither
   * checked nor applied and nothing is created. A store that opens after the budget ran out is
   * closed.
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

  /**
   * Reach the store for inspection: open it in this process ({@link openStore}), or go through
   * its live owner, whose first answer on the control socket is then the open.
   */
  async openAccess(): Promise<StoreAccess> {
    const config = this.config;
    if (config === undefined) throw new Error('openAccess() without a configuration');
    const access = await StoreAccess.open({
      open: { config, applicationName: this.connectionName },
      openStore: () => this.openStore(),
      clock: this.deps.clock,
      host: this.deps.host,
      deadline: Deadline.after(this.deps.clock, this.thresholds.openBudgetMs),
    });
    if (access.store === undefined) await access.run(healthOperation, {}, this.deadline());
    return access;
  }

  async #openSession(): Promise<StoreSession> {
    const config = this.config;
    if (config === undefined) {
      return unavailable('skip', 'the configuration does not load', 'Fix the config check first.');
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
      if (blocked !== undefined && this.reachableOwner() === undefined) return blocked;
    }
    const started = this.now();
    try {
      const access = await this.openAccess();
      return { state: 'open', access, openMs: this.now() - started };
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

function unavailable(status: 'skip' | 'fail', reason: string, fix: string): StoreSession {
  return { state: 'unavailable', status, reason, fix };
}

// The checks that need the store never open a directory another process owns (a reachable
// owner is gone through instead), and never clear a stale lock behind the user's back: that is
// what `--fix` is for.
function lockBlocks(lock: LockState): StoreSession | undefined {
  switch (lock.state) {
    case 'free':
      return undefined;
    case 'live':
      return unavailable(
        'skip',
        `owned by pid ${lock.owner.pid} (running since ${lock.owner.startedAt}), which has no control socket to go through`,
        `Stop pid ${lock.owner.pid} and run \`pgcache doctor\` again, or open the store there with its control socket on (the default: not \`control: false\`); pgcache never opens a directory another process owns.`,
      );
    case 'foreign':
      return unavailable(
        'skip',
        `locked by pid ${lock.owner.pid} on another host (${lock.owner.host})`,
        'See the lock check.',
      );
    case 'stale':
      return unavailable(
        'skip',
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
