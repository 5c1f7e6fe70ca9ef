import type { Database, DatabaseInfo } from '../db/database.js';
import { ClosedError } from '../errors/index.js';
import type { MaintainReport } from '../maintain/maintain.js';
import type { AppliedMigration, MigrationStatus, PendingMigration } from '../migrations/index.js';
import type { OperationKind } from '../resilience/bulkhead-options.js';
import type { RunnerStats } from '../resilience/operation-runner.js';
import type { Entry, EntryInput, EntrySummary, WrittenEntry } from './entry.js';
import type { ListFilter, ListResult } from './list-query.js';
import type { StoreStats } from './stats.js';
import type { StoreCore } from './store-core.js';
import type {
  CallOptions,
  DeletePrefixOptions,
  GetOptions,
  SetOptions,
  StoreMaintainOptions,
} from './store-options.js';

/**
 * The cache store, as `openStore()` returns it: a handle on the one store open on its location in
 * this process (entries with TTL, exact size accounting, atomic batches, LRU maintenance, stats,
 * every statement on the resilience path). Every handle is closed on its own; the last `close()`
 * closes the store. A handle used after its own `close()` fails with E_CLOSED, and the others
 * keep working.
 */
export class Store {
  readonly #core: StoreCore;
  readonly #release: () => Promise<void>;
  #closing: Promise<void> | undefined;

  /** Made by `openStore()`: `release` is called once, by the first `close()`. */
  constructor(core: StoreCore, release: () => Promise<void>) {
    this.#core = core;
    this.#release = release;
  }

  /** What the store runs on (embedded directory or server). */
  describe(): DatabaseInfo {
    return this.#open('describe').describe();
  }

  /** The live entry under `key`, or `undefined` (`graceMs`: expired that recently too). Counts a hit or a miss. */
  get(key: string, options?: GetOptions): Promise<Entry | undefined> {
    // The hot path: no closure per call (StoreCore.get is async, so it never throws in place).
    return this.#closing === undefined ? this.#core.get(key, options) : this.#rejectClosed('get');
  }

  /** The live entries under `keys`, in order (`undefined` where absent), in one statement. */
  getMany(keys: readonly string[], options?: CallOptions): Promise<(Entry | undefined)[]> {
    return this.#async('get-many', (core) => core.getMany(keys, options));
  }

  /** Store `value` under `key` (replacing any entry). Invalid keys and values change nothing. */
  set(key: string, value: unknown, options?: SetOptions): Promise<WrittenEntry> {
    return this.#closing === undefined
      ? this.#core.set(key, value, options)
      : this.#rejectClosed('set');
  }

  /** Store every item or none: all are validated first, then written in one transaction. */
  setMany(
    items: readonly EntryInput[],
    options?: Omit<SetOptions, 'ttlMs'>,
  ): Promise<{ written: number; bytes: number }> {
    return this.#async('set-many', (core) => core.setMany(items, options));
  }

  /** Delete `keys`; returns how many live entries were removed. */
  delete(keys: readonly string[], options?: CallOptions): Promise<number> {
    return this.#async('delete', (core) => core.delete(keys, options));
  }

  /** Delete every entry whose key starts with `prefix` (`''`: all of them), in batches. */
  deletePrefix(prefix: string, options?: DeletePrefixOptions): Promise<number> {
    return this.#async('delete-prefix', (core) => core.deletePrefix(prefix, options));
  }

  /** One page of live entries with their values, keys after `after` starting with `prefix`. */
  scan(
    page: { prefix?: string; after?: string | undefined; limit?: number },
    options?: CallOptions,
  ): Promise<Entry[]> {
    return this.#async('scan', (core) => core.scan(page, options));
  }

  /** Entry summaries matching `filter`, ordered by key. */
  list(filter?: ListFilter, options?: CallOptions): Promise<EntrySummary[]> {
    return this.#async('list', (core) => core.list(filter, options));
  }

  /** {@link list}, and how each `--where` was answered: an index of its path, the GIN index, a scan. */
  listReport(filter?: ListFilter, options?: CallOptions): Promise<ListResult> {
    return this.#async('list', (core) => core.listReport(filter, options));
  }

  /** Where the schema stands against the migrations this pgcache ships. */
  migrationStatus(options?: CallOptions): Promise<MigrationStatus> {
    return this.#async('migrate.status', (core) => core.migrationStatus(options));
  }

  /** Apply pending migrations (up to `to`), alone on the database. */
  migrateUp(options?: CallOptions & { to?: number | undefined }): Promise<PendingMigration[]> {
    return this.#async('migrate.up', (core) => core.migrateUp(options));
  }

  /** Undo applied migrations above `to`, alone on the database. */
  migrateDown(to: number, options?: CallOptions): Promise<AppliedMigration[]> {
    return this.#async('migrate.down', (core) => core.migrateDown(to, options));
  }

  /** Figures for `stats`: sizes by kind, disk, hits and misses, connections, schema, last runs. */
  stats(options?: CallOptions): Promise<StoreStats> {
    return this.#async('stats', (core) => core.stats(options));
  }

  /** Purge expired entries, evict LRU entries above the max size, reclaim disk; records the run. */
  maintain(options?: StoreMaintainOptions): Promise<MaintainReport> {
    return this.#async('maintain', (core) => core.maintain(options));
  }

  /** Read a bookkeeping document (last maintenance, last stress run…). */
  readMeta<T>(key: string, options?: CallOptions): Promise<T | undefined> {
    return this.#async('meta.read', (core) => core.readMeta<T>(key, options));
  }

  /** Write a bookkeeping document. */
  writeMeta(key: string, value: unknown, options?: CallOptions): Promise<void> {
    return this.#async('meta.write', (core) => core.writeMeta(key, value, options));
  }

  /** Write buffered access times and hit/miss counters now. */
  flush(options?: CallOptions): Promise<void> {
    return this.#async('flush', (core) => core.flush(options));
  }

  /**
   * Close this handle; the last handle open on the store closes it (flush what is buffered,
   * drain the queue, close the database, release the lock). Idempotent, and never rejects.
   */
  close(): Promise<void> {
    this.#closing ??= this.#release();
    return this.#closing;
  }

  /** This process's own resilience figures (queue, breakers, retries, instance restarts). */
  runnerStats(): RunnerStats {
    return this.#open('runner-stats').runnerStats();
  }

  /** True once this handle's `close()` was called, or the store closed. */
  get closed(): boolean {
    return this.#closing !== undefined || this.#core.closed;
  }

  /**
   * Run `fn` with the database on the resilience path, for modules built on the store (the
   * tiers' outbox, `doctor`); see {@link StoreCore.execute}.
   */
  execute<T>(
    kind: OperationKind,
    name: string,
    fn: (db: Database) => Promise<T>,
    options?: CallOptions & { readonly bypassBreaker?: boolean; readonly exclusive?: boolean },
  ): Promise<T> {
    return this.#async(name, (core) => core.execute(kind, name, fn, options));
  }

  /** Add `n` to the persisted counter `name`; written with the next flush. */
  addToCounter(name: string, n = 1): void {
    this.#open('add-to-counter').addToCounter(name, n);
  }

  #async<T>(name: string, fn: (core: StoreCore) => Promise<T>): Promise<T> {
    try {
      return fn(this.#open(name));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  #open(name: string): StoreCore {
    if (this.#closing !== undefined) throw closedError(name);
    return this.#core;
  }

  #rejectClosed(name: string): Promise<never> {
    return Promise.reject(closedError(name));
  }
}

function closedError(name: string): ClosedError {
  return new ClosedError(`${name} on a closed store handle`, {
    hint: 'This handle was closed (others opened on the same location still work): open another with openStore().',
  });
}
