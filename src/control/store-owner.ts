import type { Clock } from '../clock.js';
import type { PgcacheConfig } from '../config/load-config.js';
import type { DataDirLock } from '../db/data-dir-lock.js';
import type { Database, WireStats } from '../db/database.js';
import type { LockOwner } from '../errors/index.js';
import type {
  ControlStats,
  LiveFigures,
  OwnerProcess,
  SessionHolder,
  StuckCall,
} from '../operations/live-figures.js';
import type { Host } from '../platform/host.js';
import type { Caller, OperationContext } from '../operations/operation.js';
import type { Deadline } from '../resilience/deadline.js';
import type { SupervisedDatabase } from '../resilience/instance-supervisor.js';
import type { CallOptions } from '../store/store-options.js';
import type { Store } from '../store/store.js';
import type { TierStats } from '../tiers/tier-stats.js';
import type { CallWatch } from './call-watch.js';
import type { ControlEndpoint } from './control-endpoint.js';

/** What `serve`'s wire endpoint tells the owner's figures. */
export interface WireFigures {
  stats(): WireStats;
  holder(): SessionHolder | undefined;
}

/** What a {@link StoreOwner} is built from. */
export interface StoreOwnerDeps {
  readonly store: Store;
  readonly database: Database;
  readonly config: PgcacheConfig;
  readonly clock: Clock;
  readonly watch: CallWatch;
  /** This process, for the figures of the calls it makes itself. */
  readonly self: Caller;
  /** This process's pid, platform and memory. */
  readonly host: Host;
  /** The data-directory lock (embedded store only). */
  readonly lock?: DataDirLock | undefined;
  /** The supervised embedded instance (embedded store only; `serve` shares it). */
  readonly instance?: SupervisedDatabase | undefined;
  readonly onWarning?: ((message: string) => void) | undefined;
}

/**
 * What the process that opened a store knows about it beyond the store itself: its lock and
 * control socket, the figures kept in memory (`serve` adds its wire clients and tiers), and the
 * context operations run in, for this process and for callers on the control socket.
 */
export class StoreOwner implements LiveFigures {
  readonly deps: StoreOwnerDeps;
  #wire: WireFigures | undefined;
  #control: ControlEndpoint | undefined;
  #serveEndpoints: NonNullable<LockOwner['endpoints']> = {};
  tierStats: ((options: CallOptions) => Promise<TierStats>) | undefined;
  readonly #startedAt: number;

  constructor(deps: StoreOwnerDeps) {
    this.deps = deps;
    this.#startedAt = deps.clock.now();
  }

  /** The context of an operation run now with `deadline`, for `caller` (this process by default). */
  context(deadline: Deadline, caller = this.deps.self, requestId?: number): OperationContext {
    const { store, database, config, clock, onWarning } = this.deps;
    return { store, database, config, clock, deadline, live: this, caller, requestId, onWarning };
  }

  /** Start answering operations on the control socket `path` (advertised in the lock already). */
  async listen(path: string): Promise<void> {
    const [{ openControlEndpoint }, { OPERATIONS }] = await Promise.all([
      import('./control-endpoint.js'),
      import('../operations/registry.js'),
    ]);
    this.#control = await openControlEndpoint(path, {
      clock: this.deps.clock,
      operations: OPERATIONS,
      context: (deadline, caller, id) => this.context(deadline, caller, id),
    });
  }

  /**
   * Stop advertising the control socket (it could not be opened): other processes then get
   * E_STORE_LOCKED naming this pid instead of waiting for an answer.
   */
  withdrawControl(): void {
    this.#advertise();
  }

  /** Show `serve`'s wire clients and session holder in this owner's figures (undefined: stop). */
  attachWire(wire: WireFigures | undefined): void {
    this.#wire = wire;
  }

  /** Advertise `serve`'s endpoints in the lock file, beside the control socket. */
  advertise(endpoints: NonNullable<LockOwner['endpoints']>): void {
    this.#serveEndpoints = endpoints;
    this.#advertise();
  }

  /** Let requests on the control socket finish within `graceMs`, then close it. */
  async close(graceMs: number): Promise<void> {
    await this.#control?.close(graceMs);
  }

  wire(): WireStats | undefined {
    return this.#wire?.stats();
  }

  holder(): SessionHolder | undefined {
    return this.#wire?.holder();
  }

  control(): ControlStats | undefined {
    return this.#control?.stats();
  }

  stuck(): StuckCall | undefined {
    return this.deps.watch.stuck();
  }

  process(): OwnerProcess {
    const { host, self } = this.deps;
    return {
      pid: host.pid,
      name: self.name,
      startedAt: this.#startedAt,
      node: host.nodeVersion,
      platform: host.platform,
      memory: host.memoryUsage(),
    };
  }

  calls(): ReadonlyMap<string, number> {
    return this.deps.watch.calls();
  }

  #advertise(): void {
    const control = this.#control?.path;
    this.deps.lock?.advertise({
      ...this.#serveEndpoints,
      ...(control === undefined ? {} : { control }),
    });
  }
}

const owners = new WeakMap<Store, StoreOwner>();

/** Record who owns `store` (called by `openStore`). */
export function registerStoreOwner(store: Store, owner: StoreOwner): void {
  owners.set(store, owner);
}

/** The owner record of a store `openStore` returned. */
export function storeOwnerOf(store: Store): StoreOwner {
  const owner = owners.get(store);
  if (owner === undefined) throw new Error('this store was not opened with openStore()');
  return owner;
}
