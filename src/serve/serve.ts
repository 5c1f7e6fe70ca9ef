import { createServer, type Server, type ServerOptions } from 'node:http';
import { systemClock, type Clock, type Timer } from '../clock.js';
import { storeOwnerOf, type StoreOwner } from '../control/store-owner.js';
import type { WireStats } from '../db/database.js';
import { StoreUnavailableError, UsageError } from '../errors/index.js';
import { readStats, type StatsReport } from '../operations/stats-report.js';
import { Deadline } from '../resilience/deadline.js';
import type { Store } from '../store/store.js';
import { createHttpApi } from './http-api.js';
import { isLoopback, reachable, serverAddress, urlHost } from './addresses.js';
import { IdleWatch } from './idle-watch.js';
import { ServeMetrics } from './metrics.js';
import { ServeTiers, type ServeTiersOptions } from './serve-tiers.js';
import { openWireEndpoint, type WireEndpoint } from './wire-endpoint.js';
import { sessionHolder } from './session-holder.js';

export { isLoopback } from './addresses.js';
export type { ServeTiersOptions } from './serve-tiers.js';

/** What callers tune in {@link startServe} (the tiers, rate limits and outbox flusher included). */
export interface ServeOptions extends ServeTiersOptions {
  /** Address both endpoints listen on; anything but loopback requires `token`. @default '127.0.0.1' */
  readonly host?: string;
  /** Port of the Postgres wire endpoint; 0 picks a free one. @default 0 */
  readonly pgPort?: number;
  /** Port of the HTTP API; 0 picks a free one. @default 0 */
  readonly httpPort?: number;
  /** Also accept wire clients on this unix socket (`DIR/.s.PGSQL.PORT` suits `psql -h DIR`). */
  readonly socketPath?: string | undefined;
  /** Bearer token of every HTTP request, and the password of every wire client. */
  readonly token?: string | undefined;
  /** Answer `/healthz` without the token (load balancers probe without credentials). @default false */
  readonly publicHealth?: boolean | undefined;
  /** Wire clients connected at once. @default 100 */
  readonly maxConnections?: number;
  /** Longest a wire client may stay idle inside a transaction while others wait. @default 2000 */
  readonly idleTransactionTimeoutMs?: number;
  /** A wire statement holding the session this long while others wait gets a hang check. @default 30000 */
  readonly hangTimeoutMs?: number;
  /** Largest COPY … FROM STDIN data a wire client may send. @default 64 MiB */
  readonly maxCopyBytes?: number;
  /** Budget of one HTTP request. @default 30000 */
  readonly requestTimeoutMs?: number;
  /** Largest HTTP request body. @default 2 MiB + 64 KiB */
  readonly maxBodyBytes?: number;
  /** Call `onIdle` once nobody has been connected or sent a request for this long. */
  readonly idleExitMs?: number | undefined;
  readonly onIdle?: (() => void) | undefined;
  readonly clock?: Clock;
}

/** Where clients reach a running `serve` (wildcard addresses are given as loopback). */
export interface ServeEndpoints {
  /** The Postgres wire endpoint, or the PostgreSQL server itself for a `--database-url` store. */
  readonly pg: { readonly host: string; readonly port: number } | null;
  readonly http: { readonly url: string };
  readonly socket?: string;
}

/** The `stats --json` document of a running `serve`: the store's, the wire's and the tiers' figures. */
export type ServeStats = StatsReport;

/** A running `serve`; `close()` stops it (the store stays open: its opener closes it). */
export interface ServeHandle {
  readonly endpoints: ServeEndpoints;
  /** The `stats --json` document, with the wire endpoint's connections and the tiers' figures. */
  stats(deadline?: Deadline): Promise<ServeStats>;
  /** The wire endpoint's connections (undefined for a `--database-url` store). */
  wireStats(): WireStats | undefined;
  /**
   * Stop accepting, stop advertising in the lock file, end wire clients (rolling back what they
   * left open), let HTTP requests in flight finish and send the write-behind outbox once more,
   * within `graceMs`; then close the tiered cache. Idempotent.
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * Start `serve`'s endpoints on an open store: the Postgres wire endpoint (an embedded store
 * only: the owner's one PGlite session, shared with the store's own calls) and the HTTP API
 * (reads and writes through a tiered cache opened on the store, with per-namespace rate limits;
 * every store call on its resilience path), and the write-behind outbox flusher. The
 * data-directory lock advertises the endpoints, so that other commands go through this process
 * instead of failing with E_STORE_LOCKED.
 */
export async function startServe(store: Store, options: ServeOptions = {}): Promise<ServeHandle> {
  const clock = options.clock ?? systemClock;
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host) && (options.token ?? '') === '') {
    throw new UsageError(`serving on ${host} (not loopback) requires a token`, {
      hint: 'Pass --token (or PGCACHE_TOKEN): HTTP clients send it as a bearer token, wire clients as their password.',
    });
  }
  const owner = storeOwnerOf(store);
  const instance = owner.deps.instance;
  if (instance !== undefined && !instance.stats().thread) {
    throw new UsageError('serve needs the embedded store to run PGlite in a thread of its own', {
      hint: "Open the store with openStore({ thread: true }): a wire client's statement must never stop this process's event loop.",
    });
  }
  const idle = new IdleWatch(clock, options.idleExitMs, options.onIdle);
  const tiers = await ServeTiers.open(store, options, clock);
  let wire: WireEndpoint | undefined;
  try {
    wire =
      instance === undefined
        ? undefined
        : await openWireEndpoint(
            {
              host,
              port: options.pgPort ?? 0,
              socketPath: options.socketPath,
              token: options.token,
              maxConnections: options.maxConnections ?? 100,
              idleTransactionTimeoutMs: options.idleTransactionTimeoutMs ?? 2000,
              hangTimeoutMs: options.hangTimeoutMs,
              maxCopyBytes: options.maxCopyBytes,
            },
            { database: instance, clock, onActivity: () => idle.touch() },
          );
  } catch (error) {
    await tiers.close(Deadline.after(clock, 0));
    throw error;
  }
  idle.connected = () => wire?.connected ?? 0;
  const endpoint = wire;
  if (endpoint !== undefined) {
    owner.attachWire({
      stats: () => endpoint.stats(),
      holder: () => {
        const held = endpoint.session();
        return held === null ? undefined : sessionHolder(held, clock.now());
      },
    });
  }
  owner.tierStats = (o) => tiers.cache.stats(o);
  const serve = new RunningServe(store, { clock, wire, tiers, owner, idle, options });
  try {
    await serve.listen(host, options.httpPort ?? 0, options.socketPath);
  } catch (error) {
    await serve.close(0);
    throw error;
  }
  return serve;
}

interface RunningServeDeps {
  readonly clock: Clock;
  readonly wire: WireEndpoint | undefined;
  readonly tiers: ServeTiers;
  readonly owner: StoreOwner;
  readonly idle: IdleWatch;
  readonly options: ServeOptions;
}

class RunningServe implements ServeHandle {
  readonly #store: Store;
  readonly #deps: RunningServeDeps;
  readonly #metrics: ServeMetrics;
  readonly #http: Server;
  #endpoints: ServeEndpoints | undefined;
  #closing: Promise<void> | undefined;

  constructor(store: Store, deps: RunningServeDeps) {
    this.#store = store;
    this.#deps = deps;
    this.#metrics = new ServeMetrics(deps.owner.deps.host);
    const { options, clock, idle, tiers } = deps;
    const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#http = createServer(
      httpServerTimeouts(requestTimeoutMs),
      createHttpApi(
        {
          token: options.token,
          publicHealth: options.publicHealth,
          requestTimeoutMs,
          maxBodyBytes: options.maxBodyBytes ?? 2 * 1024 * 1024 + 65_536,
        },
        {
          cache: tiers.cache,
          limiter: tiers.limiter,
          clock,
          metrics: this.#metrics,
          // HTTP requests run as serve's own calls.
          context: (deadline) => deps.owner.context(deadline),
          metricsText: (stats) => this.#metrics.render(stats, clock.now()),
          onActivity: () => idle.touch(),
        },
      ),
    );
  }

  get endpoints(): ServeEndpoints {
    if (this.#endpoints === undefined) throw new Error('serve is not listening yet');
    return this.#endpoints;
  }

  /** @internal Listen for HTTP, then advertise both endpoints in the lock file. */
  async listen(host: string, httpPort: number, socketPath: string | undefined): Promise<void> {
    const port = await listen(this.#http, host, httpPort);
    const wire = this.#deps.wire;
    const pg =
      wire === undefined
        ? serverAddress(this.#store.describe().location)
        : { host: reachable(host), port: wire.address.port };
    const http = { url: `http://${urlHost(reachable(host))}:${port}` };
    const socket = socketPath === undefined || wire === undefined ? {} : { socket: socketPath };
    this.#endpoints = { pg, http, ...socket };
    this.#deps.owner.advertise({ ...(pg === null ? {} : { pg }), http, ...socket });
    this.#deps.idle.start();
    this.#deps.tiers.startFlusher();
  }

  stats(deadline?: Deadline): Promise<ServeStats> {
    const budget = deadline ?? Deadline.after(this.#deps.clock, 30_000);
    return readStats(this.#deps.owner.context(budget), {});
  }

  wireStats(): WireStats | undefined {
    return this.#deps.wire?.stats();
  }

  close(graceMs = 5000): Promise<void> {
    this.#closing ??= (async () => {
      const deadline = Deadline.after(this.#deps.clock, graceMs);
      this.#deps.idle.stop();
      // Commands starting now reach the owner through its control socket only.
      if (this.#endpoints !== undefined) this.#deps.owner.advertise({});
      this.#deps.owner.attachWire(undefined);
      this.#deps.owner.tierStats = undefined;
      const http = this.#http.listening
        ? closeHttp(this.#http, this.#deps.clock, graceMs)
        : undefined;
      await this.#deps.wire?.close(graceMs);
      await http;
      // Every HTTP write has been answered: what write-behind queued is sent once more.
      await this.#deps.tiers.close(deadline);
    })();
    return this.#closing;
  }
}

// The request budget also bounds receiving the request (headers and body): Node answers 408 and
// drops a client still sending after it, instead of holding it for its default 300 s. Node checks
// every `connectionsCheckingInterval`, so that is kept well under the budget.
function httpServerTimeouts(requestTimeoutMs: number): ServerOptions {
  const requestTimeout = Math.max(1, Math.ceil(requestTimeoutMs));
  return {
    requestTimeout,
    headersTimeout: Math.min(60_000, requestTimeout),
    connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.ceil(requestTimeout / 4))),
  };
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new StoreUnavailableError(`cannot listen on ${host}:${port}: ${error.message}`, {
          cause: error,
          hint:
            error.code === 'EADDRINUSE'
              ? 'Choose another --http-port (0 picks a free one) or stop what uses it.'
              : 'Check the address and your permissions.',
        }),
      ),
    );
    server.listen({ host, port }, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

// Stop accepting, let requests in flight finish, then drop what is left after `graceMs`.
async function closeHttp(server: Server, clock: Clock, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  let timer: Timer | undefined;
  await Promise.race([
    closed,
    new Promise<void>((resolve) => {
      timer = clock.setTimer(graceMs, () => {
        server.closeAllConnections();
        resolve();
      });
    }),
  ]);
  timer?.cancel();
  await closed;
}
