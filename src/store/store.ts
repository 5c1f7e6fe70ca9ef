import type { Database, DatabaseInfo, Queryable } from '../db/database.js';
import { ClosedError } from '../errors/index.js';
import { runMaintenance, type MaintainReport } from '../maintain/maintain.js';
import { recordMaintenance } from '../maintain/maintenance-ledger.js';
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
import type { Entry, EntryInput, EntrySummary } from './entry.js';
import { encodeBatch, encodeEntry } from './entry-codec.js';
import {
  deleteEntries,
  deletePrefixBatch,
  scanEntries,
  selectLiveEntries,
  selectLiveEntry,
} from './entry-queries.js';
import { expiryAfter } from './expiry.js';
import { parseKey } from './keys.js';
import { listEntries, type ListFilter } from './list-query.js';
import { readMeta, writeMeta } from './meta.js';
import { gatherStats, type StoreStats } from './stats.js';
import { writeEntries, type EntryWrite } from './write-entries.js';
import type { OperationKind } from '../resilience/bulkhead.js';
import type { RunnerStats } from '../resilience/operation-runner.js';
import type {
  CallOptions,
  GetOptions,
  SetOptions,
  StoreDeps,
  StoreMaintainOptions,
  StoreOptions,
} from './store-options.js';

/**
 * The cache store: entries with TTL, exact size accounting, atomic batches, LRU maintenance and
 * stats, every statement on the resilience path. Open one with `openStore()`; `close()` it.
 */
export class Store {
  readonly #options: Required<StoreOptions>;
  readonly #deps: StoreDeps;
  readonly #access: AccessRecorder;
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

  /** The live entry under `key`, or `undefined` when absent or expired. Counts a hit or a miss. */
  async get(key: string, options: GetOptions = {}): Promise<Entry | undefined> {
    parseKey(key);
    const now = this.#now();
    const since = new Date(now.getTime() - (options.graceMs ?? 0));
    const entry = await this.#run('read', 'get', options, (db) => selectLiveEntry(db, key, since));
    this.#recordRead(
      key,
      entry !== undefined && (entry.expiresAt === null || entry.expiresAt > now),
      now,
    );
    return entry;
  }

  /** The live entries under `keys`, in order (`undefined` where absent), in one statement. */
  async getMany(
    keys: readonly string[],
    options: CallOptions = {},
  ): Promise<(Entry | undefined)[]> {
    for (const key of keys) parseKey(key);
    if (keys.length === 0) return [];
    const now = this.#now();
    const found = await this.#run('read', 'get-many', options, (db) =>
      selectLiveEntries(db, keys, now),
    );
    for (const key of keys) this.#recordRead(key, found.has(key), now);
    return keys.map((key) => found.get(key));
  }

  /** Store `value` under `key` (replacing any entry). Invalid keys and values change nothing. */
  async set(key: string, value: unknown, options: SetOptions = {}): Promise<EntrySummary> {
    const encoded = encodeEntry(key, value, this.#options.maxEntryBytes);
    const expiresAt = this.#expiry(options.ttlMs);
    const now = this.#now();
    const [written] = await this.#write('set', [{ entry: encoded, expiresAt: expiresAt(now) }], {
      ...options,
      now,
    });
    return written as EntrySummary;
  }

  /**
   * Store every item or none: all are validated first, then written in one transaction through
   * its handle (so no nested transaction can be opened by accident).
   */
  async setMany(
    items: readonly EntryInput[],
    options: Omit<SetOptions, 'ttlMs'> = {},
  ): Promise<{ written: number; bytes: number }> {
    const encoded = encodeBatch(items, this.#options.maxEntryBytes);
    const now = this.#now();
    const writes = encoded.map(({ entry, ttlMs }) => ({
      entry,
      expiresAt: this.#expiry(ttlMs)(now),
    }));
    await this.#write('set-many', writes, { ...options, now });
    return {
      written: encoded.length,
      bytes: encoded.reduce((sum, e) => sum + e.entry.sizeBytes, 0),
    };
  }

  /** Delete `keys`; returns how many live entries were removed. */
  async delete(keys: readonly string[], options: CallOptions = {}): Promise<number> {
    for (const key of keys) parseKey(key);
    if (keys.length === 0) return 0;
    const now = this.#now();
    return this.#run('write', 'delete', options, (db) => deleteEntries(db, keys, now));
  }

  /**
   * Delete every entry whose key starts with `prefix` (`''`: all of them), in batches of 1,000 so
   * that no statement runs long. Returns how many rows were removed.
   */
  async deletePrefix(prefix: string, options: CallOptions = {}): Promise<number> {
    const deadline = this.#deadline(options);
    let removed = 0;
    for (;;) {
      const n = await this.#run('write', 'delete-prefix', { deadline }, (db) =>
        deletePrefixBatch(db, prefix, 1000),
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
    return this.#run('read', 'scan', options, (db) =>
      scanEntries(db, { prefix: page.prefix ?? '', after: page.after, limit }, now),
    );
  }

  /** Entry summaries matching `filter`, ordered by key. */
  async list(filter: ListFilter = {}, options: CallOptions = {}): Promise<EntrySummary[]> {
    const now = this.#now();
    return this.#run('read', 'list', options, (db) => listEntries(db, filter, now));
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
        return await this.#maintain(options.dryRun === true, deadline, requestedBy);
      } finally {
        await release?.();
      }
    });
  }

  async #maintain(dryRun: boolean, deadline: Deadline, by: string): Promise<MaintainReport> {
    const { maxSizeBytes, lowWaterPercent, namespaces, graceMs } = this.#options;
    const report = await runMaintenance(
      { dryRun, maxSizeBytes, lowWaterPercent, namespaces, graceMs },
      {
        run: (name, fn) => this.#run('write', name, { deadline }, fn),
        exclusive: (name, fn) => this.#exclusive(name, { deadline }, fn),
        footprint: () => this.#deps.database.footprint(),
        reclaimDisk: this.describe().kind === 'embedded',
        now: () => this.#now(),
        shouldStop: () => deadline.check('attempt'),
      },
    );
    if (dryRun) return report;
    const now = this.#now();
    await this.#run('write', 'maintain.record', { deadline }, (db) =>
      recordMaintenance(db, report, by, now),
    );
    return report;
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

  /**
   * Flush what is buffered, drain the queue, close the database and release the lock.
   * Idempotent, and never rejects: problems go to `onWarning`.
   */
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
   * Run `fn` with the database on the resilience path (deadline, queue, breaker, retry, timeout),
   * for modules built on the store (the tiers' outbox, `doctor`). `fn` may run more than once.
   * `bypassBreaker` is for introspection and repairs that must work while the breaker is open;
   * `exclusive` runs `fn` alone, bound by the deadline only (an index build, VACUUM).
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

  #write(
    name: string,
    writes: readonly EntryWrite[],
    options: SetOptions & { now: Date },
  ): Promise<EntrySummary[]> {
    const rules = { namespaces: this.#options.namespaces, also: options.also };
    return this.#run('write', name, options, (db) => writeEntries(db, writes, options.now, rules));
  }

  #run<T>(
    kind: OperationKind,
    name: string,
    options: CallOptions,
    fn: (db: Database) => Promise<T>,
    extra: { bypassBreaker?: boolean } = {},
  ): Promise<T> {
    if (this.#refusing) {
      return Promise.reject(
        new ClosedError(`${name} on a closed store`, {
          hint: 'Open the store again with openStore().',
        }),
      );
    }
    return this.#deps.runner.run({ kind, name, deadline: this.#deadline(options), ...extra }, fn);
  }

  // A hit records the read (access time and count, written in a batch) as well as the counter.
  #recordRead(key: string, hit: boolean, now: Date): void {
    this.#access.count(hit ? 'hits' : 'misses');
    if (hit) this.#access.touch(key, now);
    this.#access.schedule();
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

  #expiry(ttlMs: number | undefined): (now: Date) => Date | null {
    return expiryAfter(ttlMs ?? this.#options.defaultTtlMs);
  }
}
