import type { Database, DatabaseInfo, Queryable } from '../db/database.js';
import { ClosedError } from '../errors/index.js';
import type { MaintainReport } from '../maintain/maintain.js';
import { MaintenanceQueue } from '../maintain/maintenance-queue.js';
import {
  MIGRATIONS,
  migrateDown,
  migrateUp,
  readMigrationStatus,
  type AppliedMigration,
  type MigrationStatus,
  type PendingMigration,
} from '../migrations/index.js';
import { Deadline } from '../resilience/deadline.js';
import { AccessRecorder } from './access-recorder.js';
import { writeAccessBatch } from './access-log.js';
import type { Entry, EntryInput, EntrySummary, WrittenEntry } from './entry.js';
import { encodeBatch, encodeEntry } from './entry-codec.js';
import {
  deleteEntries,
  deletePrefixBatch,
  scanLive,
  selectLive,
  selectLiveMany,
  toEntry,
  type LiveRead,
} from './entry-queries.js';
import { expiryAt } from './expiry.js';
import { parseKey } from './keys.js';
import { listEntries, listWithTotal, type ListFilter, type ListResult } from './list-query.js';
import { readMeta, writeMeta } from './meta.js';
import { gatherStats, type StoreStats } from './stats.js';
import { maintainStore } from './store-maintenance.js';
import { STORE_ROUTES as ROUTES } from './store-routes.js';
import {
  writeEntries,
  writtenEntry,
  type EntryWrite,
  type WriteBatch,
  type WriteRules,
} from './write-entries.js';
import type { OperationKind } from '../resilience/bulkhead-options.js';
import type { Route, RunnerStats } from '../resilience/operation-runner.js';
import type {
  CallOptions,
  DeletePrefixOptions,
  GetOptions,
  SetOptions,
  StoreDeps,
  StoreMaintainOptions,
  StoreOptions,
} from './store-options.js';

/**
 * The open cache store behind every {@link Store} handle on one location in this process: entries
 * with TTL, exact size accounting, atomic batches, LRU maintenance and stats, every statement on
 * the resilience path. `openStore()` makes it and closes it when its last handle closes.
 */
export class StoreCore {
  readonly #options: Required<StoreOptions>;
  readonly #deps: StoreDeps;
  readonly #access: AccessRecorder;
  readonly #rules: WriteRules; // of a write with nothing to do besides its entries
  readonly #maintenance: MaintenanceQueue;
  #closing: Promise<void> | undefined;
  /** Set by close() once the control socket's callers are answered and buffers flushed. */
  #refusing = false;

  constructor(options: StoreOptions, deps: StoreDeps) {
    this.#options = {
      flushIntervalMs: 1000,
      flushThreshold: 500,
      namespaces: {},
      graceMs: 0,
      ...options,
    };
    this.#deps = deps;
    this.#rules = { namespaces: this.#options.namespaces };
    this.#maintenance = new MaintenanceQueue(deps.clock);
    this.#access = new AccessRecorder(
      { intervalMs: this.#options.flushIntervalMs, threshold: this.#options.flushThreshold },
      {
        clock: deps.clock,
        onWarning: deps.onWarning,
        write: (batch, deadline) =>
          this.#run('write', 'flush', { deadline }, (db) =>
            db.transaction((tx) => writeAccessBatch(tx, batch)),
          ),
      },
    );
  }

  /** What the store runs on (embedded directory or server). */
  describe(): DatabaseInfo {
    return this.#deps.database.describe();
  }

  /** The live entry under `key`, or `undefined` (`graceMs`: expired that recently too). Counts a hit or a miss. */
  async get(key: string, options: GetOptions = {}): Promise<Entry | undefined> {
    const parsed = parseKey(key);
    const now = this.#deps.clock.now();
    const read: LiveRead = { key, since: new Date(now - (options.graceMs ?? 0)).toISOString() };
    const found = await this.#call(ROUTES.get, options, selectLive, read);
    const live =
      found !== undefined && (found.expiresAt === null || found.expiresAt.getTime() > now);
    this.#access.read(key, live, now); // a hit's access time and count are written in a batch
    return found === undefined ? undefined : toEntry(parsed, found);
  }

  /** The live entries under `keys`, in order (`undefined` where absent), in one statement. */
  async getMany(
    keys: readonly string[],
    options: CallOptions = {},
  ): Promise<(Entry | undefined)[]> {
    const parsed = keys.map((key) => parseKey(key));
    if (keys.length === 0) return [];
    const now = this.#deps.clock.now();
    const found = await this.#run('read', 'get-many', options, (db) =>
      selectLiveMany(db, keys, new Date(now)),
    );
    return parsed.map((p) => {
      const stored = found.get(p.key);
      this.#access.read(p.key, stored !== undefined, now);
      return stored === undefined ? undefined : toEntry(p, stored);
    });
  }

  /** Store `value` under `key` (replacing any entry). Invalid keys and values change nothing. */
  async set(key: string, value: unknown, options: SetOptions = {}): Promise<WrittenEntry> {
    const entry = encodeEntry(key, value, this.#options.maxEntryBytes);
    const now = new Date(this.#deps.clock.now());
    const expiresAt = expiryAt(options.ttlMs ?? this.#options.defaultTtlMs, now);
    const batch = this.#batch([{ entry, expiresAt }], now, options);
    await this.#call(ROUTES.set, options, writeEntries, batch, entry.sizeBytes);
    return writtenEntry(entry, now, expiresAt);
  }

  /** Store every item or none: all are validated first, then written in one transaction. */
  async setMany(
    items: readonly EntryInput[],
    options: Omit<SetOptions, 'ttlMs'> = {},
  ): Promise<{ written: number; bytes: number }> {
    const encoded = encodeBatch(items, this.#options.maxEntryBytes);
    const now = new Date(this.#deps.clock.now());
    const writes: EntryWrite[] = encoded.map(({ entry, ttlMs }) => ({
      entry,
      expiresAt: expiryAt(ttlMs ?? this.#options.defaultTtlMs, now),
    }));
    const bytes = encoded.reduce((sum, e) => sum + e.entry.sizeBytes, 0);
    const batch = this.#batch(writes, now, options);
    await this.#call(ROUTES.setMany, options, writeEntries, batch, bytes);
    return { written: encoded.length, bytes };
  }

  /** Delete `keys`; returns how many live entries were removed. */
  async delete(keys: readonly string[], options: CallOptions = {}): Promise<number> {
    for (const key of keys) parseKey(key);
    if (keys.length === 0) return 0;
    const now = this.#now();
    return this.#run('write', 'delete', options, (db) => deleteEntries(db, keys, now));
  }

  /**
   * Delete every entry whose key starts with `prefix` (`''`: all of them; `envelopes`: only those
   * holding a Keyv envelope), in batches of 1,000 so that no statement runs long. Returns how many
   * rows were removed.
   */
  async deletePrefix(prefix: string, options: DeletePrefixOptions = {}): Promise<number> {
    const deadline = this.#deadline(options);
    const batch = { prefix, limit: 1000, envelopes: options.envelopes === true };
    let removed = 0;
    for (;;) {
      const n = await this.#run('write', 'delete-prefix', { deadline }, (db) =>
        deletePrefixBatch(db, batch),
      );
      removed += n;
      if (n < 1000) return removed;
    }
  }

  /** One page of live entries with their values, keys after `after` starting with `prefix`. */
  async scan(
    page: { prefix?: string; after?: string | undefined; limit?: number },
    options: CallOptions = {},
  ): Promise<Entry[]> {
    const now = this.#now();
    const limit = page.limit ?? 100;
    const rows = await this.#run('read', 'scan', options, (db) =>
      scanLive(db, { prefix: page.prefix ?? '', after: page.after, limit }, now),
    );
    return rows.map((row) => toEntry(parseKey(row.key), row));
  }

  /** Entry summaries matching `filter`, ordered by key. */
  list(filter: ListFilter = {}, options: CallOptions = {}): Promise<EntrySummary[]> {
    const now = this.#now();
    return this.#run('read', 'list', options, (db) => listEntries(db, filter, now));
  }

  /**
   * {@link list}, with how many entries match in all (counted only when the limit cut the list),
   * and how each `--where` was answered: an index of its path, the GIN index, a scan.
   */
  listReport(filter: ListFilter = {}, options: CallOptions = {}): Promise<ListResult> {
    const now = this.#now();
    return this.#run('read', 'list', options, (db) => listWithTotal(db, filter, now));
  }

  /** Where the schema stands against the migrations this pgcache ships. */
  migrationStatus(options: CallOptions = {}): Promise<MigrationStatus> {
    const read = (db: Queryable): Promise<MigrationStatus> => readMigrationStatus(db, MIGRATIONS);
    return this.#run('read', 'migrate.status', options, read, { bypassBreaker: true });
  }

  /** Apply pending migrations (up to `to`), alone on the database. */
  migrateUp(options: CallOptions & { to?: number | undefined } = {}): Promise<PendingMigration[]> {
    const { to } = options;
    const upTo = to === undefined ? {} : { to };
    return this.#exclusive('migrate.up', options, (db) =>
      migrateUp(db, { migrations: MIGRATIONS, clock: this.#deps.clock, ...upTo }),
    );
  }

  /** Undo applied migrations above `to`, alone on the database. */
  migrateDown(to: number, options: CallOptions = {}): Promise<AppliedMigration[]> {
    return this.#exclusive('migrate.down', options, (db) =>
      migrateDown(db, { migrations: MIGRATIONS, clock: this.#deps.clock, to }),
    );
  }

  /** Figures for `stats`: sizes by kind, disk, hits and misses, connections, schema, last runs. */
  async stats(options: CallOptions = {}): Promise<StoreStats> {
    // Best effort: with the breaker open the write fails, and stats must still answer.
    await this.flush(options).catch(() => undefined);
    const now = this.#now();
    return gatherStats({
      read: (name, fn) => this.#run('read', name, options, fn, { bypassBreaker: true }),
      database: this.#deps.database,
      now,
      maxSizeBytes: this.#options.maxSizeBytes,
      runner: () => this.#deps.runner.stats(),
    });
  }

  /**
   * Purge expired entries, evict LRU entries above the max size, reclaim disk; records the run.
   * Runs never overlap: one that finds another in progress waits for it within its deadline
   * (`ifIdle`: at once), then runs; giving up is E_MAINTENANCE_RUNNING.
   */
  maintain(options: StoreMaintainOptions = {}): Promise<MaintainReport> {
    const deadline = this.#deadline(options);
    const ifIdle = options.ifIdle === true;
    const requestedBy = options.requestedBy ?? 'this process';
    return this.#maintenance.run({ requestedBy, deadline, ifIdle }, async () => {
      await this.flush({ deadline });
      const release = await this.#deps.maintenanceLock?.(deadline, ifIdle);
      try {
        const dryRun = options.dryRun === true;
        return await maintainStore(
          { ...this.#options, dryRun, by: requestedBy },
          {
            run: (name, fn) => this.#run('write', name, { deadline }, fn),
            exclusive: (name, fn) => this.#exclusive(name, { deadline }, fn),
            footprint: () => this.#deps.database.footprint(),
            reclaimDisk: this.describe().kind === 'embedded',
            now: () => this.#now(),
            deadline,
          },
        );
      } finally {
        await release?.();
      }
    });
  }

  /** Read a bookkeeping document (last maintenance, last stress run…). */
  readMeta<T>(key: string, options: CallOptions = {}): Promise<T | undefined> {
    return this.#run('read', 'meta.read', options, (db) => readMeta<T>(db, key));
  }

  /** Write a bookkeeping document. */
  writeMeta(key: string, value: unknown, options: CallOptions = {}): Promise<void> {
    const now = this.#now();
    return this.#run('write', 'meta.write', options, (db) => writeMeta(db, key, value, now));
  }

  /** Write buffered access times and hit/miss counters now. */
  flush(options: CallOptions = {}): Promise<void> {
    return this.#access.flush(options.deadline);
  }

  /** Flush, drain the queue, close the database, release the lock; idempotent, never rejects. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      // Callers on the control socket are answered (or told to come back) first.
      await this.#deps.beforeClose?.();
      this.#maintenance.close();
      this.#access.stop();
      const deadline = Deadline.after(this.#deps.clock, Math.min(this.#options.timeoutMs, 5000));
      try {
        await this.flush({ deadline });
      } catch (error) {
        this.#deps.onWarning?.(
          `access times and counters were not saved: ${(error as Error).message}`,
        );
      }
      this.#refusing = true;
      await this.#deps.runner.close(deadline).catch(() => undefined);
      await this.#deps.onClose?.();
      await this.#deps.database.close().catch(() => undefined);
      this.#deps.lock?.release();
    })();
    return this.#closing;
  }

  /**
   * This process's own resilience figures (queue, breakers, retries, instance restarts), without
   * a database call.
   */
  runnerStats(): RunnerStats {
    return this.#deps.runner.stats();
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Run `fn` on the resilience path, for modules built on the store; it may run more than once.
   * `bypassBreaker`: introspection and repairs while the breaker is open; `exclusive`: alone,
   * bound by the deadline only (an index build, VACUUM).
   */
  execute<T>(
    kind: OperationKind,
    name: string,
    fn: (db: Database) => Promise<T>,
    options: CallOptions & { readonly bypassBreaker?: boolean; readonly exclusive?: boolean } = {},
  ): Promise<T> {
    const extra = { bypassBreaker: options.bypassBreaker === true };
    return options.exclusive === true
      ? this.#exclusive(name, options, fn, extra)
      : this.#run(kind, name, options, fn, extra);
  }

  /** Add `n` to the persisted counter `name`; written with the next flush. */
  addToCounter(name: string, n = 1): void {
    this.#access.count(name, n);
    this.#access.schedule();
  }

  // A call on a route made once, with a function that takes its argument: no closure, no options.
  #call<A, T>(
    route: Route,
    options: CallOptions,
    fn: (db: Database, arg: A) => Promise<T>,
    arg: A,
    bytes?: number,
  ): Promise<T> {
    if (this.#refusing) return Promise.reject(closedStoreError(route.name));
    return this.#deps.runner.call(route, this.#deadline(options), fn, arg, bytes);
  }

  #batch(writes: readonly EntryWrite[], now: Date, options: SetOptions): WriteBatch {
    const { also } = options;
    const rules = also === undefined ? this.#rules : { namespaces: this.#options.namespaces, also };
    return { writes, now, rules };
  }

  #run<T>(
    kind: OperationKind,
    name: string,
    options: CallOptions,
    fn: (db: Database) => Promise<T>,
    extra: { bypassBreaker?: boolean } = {},
  ): Promise<T> {
    if (this.#refusing) return Promise.reject(closedStoreError(name));
    return this.#deps.runner.run({ kind, name, deadline: this.#deadline(options), ...extra }, fn);
  }

  #exclusive<T>(
    name: string,
    options: CallOptions,
    fn: (db: Database) => Promise<T>,
    extra: { bypassBreaker?: boolean } = {},
  ): Promise<T> {
    const op = { kind: 'write' as const, name, deadline: this.#deadline(options), ...extra };
    return this.#deps.runner.exclusive(op, fn);
  }

  #deadline(options: CallOptions): Deadline {
    return options.deadline ?? Deadline.after(this.#deps.clock, this.#options.timeoutMs);
  }

  #now(): Date {
    return new Date(this.#deps.clock.now());
  }
}

function closedStoreError(name: string): ClosedError {
  return new ClosedError(`${name} on a closed store`, {
    hint: 'Open the store again with openStore().',
  });
}
