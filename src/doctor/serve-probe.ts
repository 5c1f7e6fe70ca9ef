import { sleep } from '../clock.js';
import type { WireClientStats, WireStats } from '../db/database.js';
import { StoreUnavailableError, isPgcacheError, type LockOwner } from '../errors/index.js';
import { Deadline } from '../resilience/deadline.js';
import { serveUrl } from '../serve/addresses.js';
import { OwnerClient } from '../serve/owner-client.js';
import { serveRefused } from '../store/open-store.js';
import type { DoctorContext } from './doctor-context.js';
import type { ProbeTarget } from './lifecycle-probe.js';

/** A live `serve` the doctor goes through, and how to reach it. */
export interface ServeAccess {
  readonly owner: LockOwner;
  /** `serve, pid 4242`. */
  readonly via: string;
  /** Its HTTP API. */
  readonly api: OwnerClient;
}

/** The owner's wire clients, apart from the doctor's own connections. */
export interface WireClients {
  readonly wire: WireStats;
  /** The doctor's connections serve still lists after they were closed. */
  readonly leftover: readonly WireClientStats[];
}

const SETTLE_POLLS = 25;
const SETTLE_POLL_MS = 20;

/** How to reach the serving `owner`: its HTTP API, with the configured token. */
export function serveAccess(ctx: DoctorContext, owner: LockOwner): ServeAccess {
  const via = `serve, pid ${owner.pid}`;
  const url = owner.endpoints?.http?.url ?? '';
  const api = new OwnerClient({ url, token: ctx.config?.serve.token, via }, ctx.deps.clock);
  return { owner, via, api };
}

/**
 * The owner's wire clients, read without a database call (a client holding serve's session would
 * make any call that needs the database wait for it). The doctor's own connections, once closed,
 * leave serve's list a moment later (when their sockets close): wait briefly for them to go;
 * those still listed after that are `leftover`.
 */
export async function readWireClients(
  ctx: DoctorContext,
  serve: ServeAccess,
): Promise<WireClients> {
  const ours = (wire: WireStats) =>
    wire.clients.filter((c) => c.applicationName === ctx.connectionName);
  let wire = await readOnce(ctx, serve);
  for (let poll = 0; poll < SETTLE_POLLS && ours(wire).length > 0; poll += 1) {
    await sleep(ctx.deps.clock, SETTLE_POLL_MS);
    wire = await readOnce(ctx, serve);
  }
  const leftover = ours(wire);
  return {
    wire: { ...wire, clients: wire.clients.filter((c) => !leftover.includes(c)) },
    leftover,
  };
}

/**
 * The probe through `serve`: each cycle opens a wire connection of its own (a `pg` pool of one,
 * as commands have) to the owner's endpoint, runs one statement and closes it. The data
 * directory itself is never opened.
 */
export function serveProbeTarget(ctx: DoctorContext, serve: ServeAccess): ProbeTarget {
  const pg = serve.owner.endpoints?.pg;
  return {
    action: `connect to ${serve.via}`,
    async open() {
      if (pg === undefined) throw new StoreUnavailableError(`${serve.via} has no wire endpoint`);
      const db = await (
        await import('../db/wire-database.js')
      ).openWireDatabase({
        url: serveUrl(pg, ctx.config?.serve.token),
        poolSize: 1,
        applicationName: ctx.connectionName,
        via: serve.via,
        location: ctx.config?.dataDir ?? '',
      });
      return { ping: () => db.query('SELECT 1'), close: () => db.close() };
    },
  };
}

async function readOnce(ctx: DoctorContext, serve: ServeAccess): Promise<WireStats> {
  const deadline = Deadline.after(ctx.deps.clock, ctx.config?.timeoutMs ?? 30_000);
  let wire: WireStats | null;
  try {
    wire = await serve.api.connections({ deadline });
  } catch (error) {
    if (!isPgcacheError(error) || error.code !== 'E_UNAUTHORIZED') throw error;
    throw serveRefused(serve.via, ctx.config?.serve.token, error);
  }
  if (wire === null) {
    throw new StoreUnavailableError(`${serve.via} has no wire endpoint`, {
      hint: 'Restart serve: a serve of a data directory always has one.',
    });
  }
  return wire;
}
