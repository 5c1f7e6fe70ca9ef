import type { Clock } from '../../clock.js';
import type { PgcacheConfig } from '../../config/load-config.js';
import type { Database, DatabaseInfo, DiskFootprint } from '../../db/database.js';
import type { Host } from '../../platform/host.js';
import { Deadline } from '../../resilience/deadline.js';
import { META_KEYS } from '../../store/meta.js';
import type { MigrationPolicy, OpenStoreOptions } from '../../store/open-store.js';
import type { Store } from '../../store/store.js';
import { FaultInjector } from './fault-injector.js';
import {
  addCounters,
  type ClientFigures,
  type FinishReport,
  type LoadSource,
  type SourceCounters,
  type StoreTuning,
  type StressClient,
} from './load-source.js';

/** What {@link InProcessSource} opens stores with. */
export interface InProcessSourceDeps {
  /** The configured store's settings; a scenario's tuning is applied on top. */
  readonly config: PgcacheConfig;
  readonly openStore: (options: OpenStoreOptions) => Promise<Store>;
  readonly clock: Clock;
  readonly host?: Host | undefined;
  readonly onWarning?: ((message: string) => void) | undefined;
  /** Budget of one stress operation, as a caller's own deadline. @default 30000 */
  readonly operationBudgetMs?: number;
  /** Time to live of the entries the run writes, should it be killed before it cleans up. @default 3600000 */
  readonly ttlMs?: number;
  /**
   * How the first store is opened: a missing embedded store is created and migrated (as `init`
   * does), an existing one must be current. @default { create: false, migrations: 'require' }
   */
  readonly firstOpen?: { readonly create: boolean; readonly migrations: MigrationPolicy };
}

interface OpenStore {
  readonly store: Store;
  readonly tuning: StoreTuning | undefined;
  readonly client: StressClient;
}

const DELETE_BATCH = 500;
/** VACUUM and CHECKPOINT of a large store take a while; they run alone, under this deadline. */
const RECLAIM_BUDGET_MS = 120_000;

// The store's size on disk; undefined when the store cannot tell (it is only for the report).
const footprint = (store: Store): Promise<DiskFootprint | undefined> =>
  store
    .execute('read', 'stress.footprint', (db) => db.footprint(), { bypassBreaker: true })
    .catch(() => undefined);

/**
 * The load source of this version: scenarios call the store in this process, on the very
 * resilience path a library caller takes. One store is open at a time.
 */
export class InProcessSource implements LoadSource {
  readonly kind = 'in-process' as const;
  readonly label = 'in-process';
  readonly #deps: InProcessSourceDeps;
  readonly #written = new Set<string>();
  #current: OpenStore | undefined;
  #info: DatabaseInfo | undefined;
  /** The store's size on disk when this source first opened it. */
  #footprintBefore: DiskFootprint | undefined;
  // Counters of the stores already closed.
  #closed: SourceCounters = { retried: 0, restarts: 0 };

  constructor(deps: InProcessSourceDeps) {
    this.#deps = deps;
  }

  async client(tuning?: StoreTuning): Promise<StressClient> {
    if (this.#current !== undefined && tuning === undefined && this.#current.tuning === undefined) {
      return this.#current.client;
    }
    await this.release();
    let faults: FaultInjector | undefined;
    const first = this.#info === undefined ? this.#deps.firstOpen : undefined;
    const store = await this.#deps.openStore({
      config: tuned(this.#deps.config, tuning),
      migrations: first?.migrations ?? 'require',
      create: first?.create ?? false,
      clock: this.#deps.clock,
      ...(this.#deps.host === undefined ? {} : { host: this.#deps.host }),
      onWarning: (message) => this.#deps.onWarning?.(message),
      ...(tuning?.faults === true
        ? { wrapDatabase: (db: Database) => (faults = new FaultInjector(db)) }
        : {}),
    });
    if (this.#info === undefined) this.#footprintBefore = await footprint(store);
    this.#info = store.describe();
    const client = this.#makeClient(store, faults);
    this.#current = { store, tuning, client };
    return client;
  }

  async release(): Promise<void> {
    const current = this.#current;
    if (current === undefined) return;
    this.#current = undefined;
    // Counters are for the report: a store too broken to give them still gets closed.
    const figures = await current.client.figures().catch(() => undefined);
    if (figures !== undefined) this.#closed = addCounters(this.#closed, figures);
    await current.store.close();
  }

  async counters(): Promise<SourceCounters> {
    const open = this.#current === undefined ? undefined : await this.#current.client.figures();
    return open === undefined ? this.#closed : addCounters(this.#closed, open);
  }

  describe(): DatabaseInfo | undefined {
    return this.#info;
  }

  unsupported(): undefined {
    return undefined;
  }

  /** Count keys written by others for this run (child processes, HTTP clients), so `finish` deletes them too. */
  noteWritten(keys: Iterable<string>): void {
    for (const key of keys) this.#written.add(key);
  }

  async finish(
    lastRun: Record<string, unknown>,
    options: { keep: boolean },
  ): Promise<FinishReport> {
    try {
      await this.client();
      const store = this.#current?.store;
      if (store === undefined) throw new Error('no store to finish the run on');
      let deletedKeys = 0;
      if (!options.keep) {
        const keys = [...this.#written];
        for (let i = 0; i < keys.length; i += DELETE_BATCH) {
          deletedKeys += await store.delete(keys.slice(i, i + DELETE_BATCH), this.#call());
        }
        this.#written.clear();
      }
      await store.writeMeta(META_KEYS.lastStress, lastRun, this.#call());
      return { deletedKeys, reclaim: await this.#reclaim(store) };
    } finally {
      await this.release();
    }
  }

  /**
   * Give back what the run used, as `maintain` does: PGlite (opened here, or behind `serve`) has
   * no autovacuum and no checkpointer, so the dead rows of the run's writes and deletes and the
   * WAL they made stay until VACUUM and CHECKPOINT; a PostgreSQL server reclaims by itself.
   */
  async #reclaim(store: Store): Promise<FinishReport['reclaim']> {
    const before = this.#footprintBefore;
    // The data directory's PGlite, opened here or behind `serve`; not a PostgreSQL server.
    const pglite = this.#deps.config.databaseUrl === undefined;
    if (pglite) {
      const call = {
        deadline: Deadline.after(this.#deps.clock, RECLAIM_BUDGET_MS),
        exclusive: true,
      };
      await store.execute(
        'write',
        'stress.vacuum',
        (db) => db.exec('VACUUM pgcache_entries'),
        call,
      );
      await store.execute('write', 'stress.checkpoint', (db) => db.exec('CHECKPOINT'), call);
    }
    const after = await footprint(store);
    return {
      how: pglite ? 'vacuum+checkpoint' : 'server',
      diskBytesBefore: before?.onDiskBytes ?? null,
      diskBytesAfter: after?.onDiskBytes ?? null,
      walBytesBefore: before?.walBytes ?? null,
      walBytesAfter: after?.walBytes ?? null,
    };
  }

  #makeClient(store: Store, faults: FaultInjector | undefined): StressClient {
    const ttlMs = this.#deps.ttlMs ?? 3_600_000;
    return {
      read: async (key) => (await store.get(key, this.#call())) !== undefined,
      write: async (key, value) => {
        this.#written.add(key);
        await store.set(key, value, { ...this.#call(), ttlMs });
      },
      writeMany: async (items) => {
        for (const { key } of items) this.#written.add(key);
        await store.setMany(
          items.map((item) => ({ ...item, ttlMs })),
          this.#call(),
        );
      },
      // This process's figures: through serve, `stats()` would give serve's, counted once per
      // worker, and cost a database round trip inside the measured window.
      figures: async (): Promise<ClientFigures> => {
        const stats = store.runnerStats();
        return {
          queueWaitMs: stats.queue.waitMs,
          retried: stats.retries.retried,
          restarts: stats.instance?.restarts ?? 0,
          breaker: stats.breakers.find((b) => b.name === 'store')?.state ?? 'closed',
        };
      },
      faults,
    };
  }

  #call(): { deadline: Deadline } {
    return { deadline: Deadline.after(this.#deps.clock, this.#deps.operationBudgetMs ?? 30_000) };
  }
}

/** The configured settings with a scenario's tuning on top. */
function tuned(config: PgcacheConfig, tuning: StoreTuning | undefined): PgcacheConfig {
  if (tuning === undefined) return config;
  return {
    ...config,
    queue: { ...config.queue, ...tuning.queue },
    retry: { ...config.retry, ...tuning.retry },
    breaker: { ...config.breaker, ...tuning.breaker },
    namespaces: { ...config.namespaces, ...tuning.namespaces },
  };
}
