import { sleep, type Clock } from '../clock.js';
import type { PgcacheConfig } from '../config/load-config.js';
import { readLock } from '../db/data-dir-lock.js';
import {
  OwnerClosingError,
  StoreLockedError,
  isPgcacheError,
  type LockOwner,
} from '../errors/index.js';
import type { Caller, Operation } from '../operations/operation.js';
import type { Host } from '../platform/host.js';
import type { Deadline } from '../resilience/deadline.js';
import type { OpenStoreOptions } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { ControlClient, ownerVia } from './control-client.js';
import { controlSocketPath } from './control-socket.js';
import { storeOwnerOf } from './store-owner.js';

/** What {@link openStoreAccess} needs. */
export interface StoreAccessOptions {
  /** How to open the store when nobody owns it (a command's own options, its config included). */
  readonly open: OpenStoreOptions & { readonly config: PgcacheConfig };
  readonly openStore: (options: OpenStoreOptions) => Promise<Store>;
  readonly clock: Clock;
  readonly host: Host;
  /** How long to wait for a turn: an owner that is starting, closing, or not answering. */
  readonly deadline: Deadline;
}

// How often a command waiting for its turn looks again.
const RETRY_MS = 50;

type Target =
  | { readonly kind: 'local'; readonly store: Store }
  | { readonly kind: 'owner'; readonly client: ControlClient; readonly owner: LockOwner };

/**
 * A command's way to its store: the store itself when this process could take the data
 * directory, or the live owner's control socket when another process holds it. Operations run
 * the same either way (`run`). An owner that is starting or closing is waited for until the
 * deadline (it hands the directory on, or answers); one that cannot be reached at all (no
 * control socket, or on another host) is E_STORE_LOCKED naming it.
 */
export class StoreAccess {
  readonly #options: StoreAccessOptions;
  readonly #caller: Caller;
  #target: Target | undefined;

  private constructor(options: StoreAccessOptions) {
    this.#options = options;
    this.#caller = {
      pid: options.host.pid,
      name: options.open.applicationName ?? 'pgcache',
    };
  }

  /** Find the way to the store: open it, or reach its owner. */
  static async open(options: StoreAccessOptions): Promise<StoreAccess> {
    const access = new StoreAccess(options);
    await access.#resolve(options.deadline);
    return access;
  }

  /** The store, when this process owns it (undefined through an owner). */
  get store(): Store | undefined {
    return this.#target?.kind === 'local' ? this.#target.store : undefined;
  }

  /** The live owner this goes through, as its lock file names it (undefined when it owns the store). */
  get owner(): LockOwner | undefined {
    return this.#target?.kind === 'owner' ? this.#target.owner : undefined;
  }

  /** The owner this goes through, e.g. `serve, pid 4242` (undefined when it owns the store). */
  get via(): string | undefined {
    return this.#target?.kind === 'owner' ? this.#target.client.via : undefined;
  }

  /**
   * The store itself, for what only its owner may do (change the schema): refused with
   * E_STORE_LOCKED, naming the owner, when another process owns it; its code runs on the
   * schema it opened.
   */
  ownStore(what: string): Store {
    const target = this.#target;
    if (target === undefined) throw new Error('ownStore() after close()');
    if (target.kind === 'local') return target.store;
    const { owner, client } = target;
    throw new StoreLockedError(
      `cannot ${what} while ${client.via} owns the store: it runs on the schema it opened`,
      owner,
      { hint: `Stop pid ${owner.pid}, then run the command again.` },
    );
  }

  /**
   * Run `operation` where the store is owned: here, or on the owner. An owner that closes before
   * it starts the call hands the turn on: the call goes to the next owner, or opens the store.
   */
  async run<I, R>(operation: Operation<I, R>, input: I, deadline: Deadline): Promise<R> {
    for (;;) {
      const target = await this.#resolve(deadline);
      if (target.kind === 'local') {
        const owner = storeOwnerOf(target.store);
        return operation.run(owner.context(deadline), input);
      }
      try {
        return await target.client.call<R>(operation.name, input, deadline);
      } catch (error) {
        if (!(error instanceof OwnerClosingError)) throw error;
        this.#target = undefined;
        await this.#pause(deadline, target.owner);
      }
    }
  }

  /** Close the store if this process opened it. */
  async close(): Promise<void> {
    const target = this.#target;
    this.#target = undefined;
    if (target?.kind === 'local') await target.store.close();
  }

  async #resolve(deadline: Deadline): Promise<Target> {
    const { open, openStore, host } = this.#options;
    const dataDir = open.config.dataDir;
    while (this.#target === undefined) {
      try {
        this.#target = { kind: 'local', store: await openStore(open) };
        break;
      } catch (error) {
        if (!(error instanceof StoreLockedError)) throw error;
        const lock = readLock(dataDir, host);
        // Being written, or released meanwhile: look again.
        if (lock.state === 'free' || lock.state === 'stale' || lock.state === 'unreadable') {
          await this.#pause(deadline, error.owner);
          continue;
        }
        const path = lock.owner.endpoints?.control;
        if (lock.state !== 'live' || path === undefined || path !== controlSocketPath(dataDir)) {
          throw error;
        }
        this.#target = { kind: 'owner', owner: lock.owner, client: this.#client(lock.owner, path) };
      }
    }
    return this.#target;
  }

  #client(owner: LockOwner, path: string): ControlClient {
    const via = ownerVia(owner);
    return new ControlClient({ path, via, caller: this.#caller, clock: this.#options.clock });
  }

  // Wait a moment for the owner to answer or hand over; past the deadline, say who is in the way.
  async #pause(deadline: Deadline, owner: LockOwner): Promise<void> {
    if (deadline.remaining() <= RETRY_MS) {
      const dataDir = this.#options.open.config.dataDir;
      throw new StoreLockedError(
        `data directory ${dataDir} is owned by pid ${owner.pid}, which did not take this call before the deadline (it is starting, closing, or busy)`,
        owner,
        {
          hint: `Retry in a moment; if it keeps happening, run \`pgcache doctor\` to see what pid ${owner.pid} is doing.`,
        },
      );
    }
    await sleep(this.#options.clock, RETRY_MS);
  }
}

/** True when `error` is an operation's answer that the owner was busy maintaining already. */
export function isMaintenanceRunning(error: unknown): boolean {
  return isPgcacheError(error) && error.code === 'E_MAINTENANCE_RUNNING';
}
