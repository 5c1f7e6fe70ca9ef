import { lstatSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { PGLiteSocketHandler, PGLiteSocketHandlerOptions } from '@electric-sql/pglite-socket';
import type { Clock, Timer } from '../clock.js';
import type { WireClientStats, WireStats } from '../db/database.js';
import type { ProtocolState } from '../db/protocol-state.js';
import { InternalError, StoreUnavailableError } from '../errors/index.js';
import type { SupervisedDatabase } from '../resilience/instance-supervisor.js';
import type { SessionHolder } from '../operations/live-figures.js';
import { fatalError } from './pg-messages.js';
import { sessionHolder } from './session-holder.js';
import { WireScheduler, type WireClient } from './wire-scheduler.js';

/** Options of {@link openWireEndpoint}. */
export interface WireEndpointOptions {
  /** Address to listen on. @default '127.0.0.1' */
  readonly host?: string;
  /** TCP port; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Also listen on this unix socket path (name it `DIR/.s.PGSQL.PORT` for psql's `-h DIR`). */
  readonly socketPath?: string | undefined;
  /** Clients connected at once; more are refused with SQLSTATE 53300. @default 100 */
  readonly maxConnections?: number;
  /** Password every client must give; none when undefined. */
  readonly token?: string | undefined;
  /** Longest a client may stay idle inside a transaction while others wait. @default 2000 */
  readonly idleTransactionTimeoutMs?: number;
}

/** What {@link openWireEndpoint} needs injected. */
export interface WireEndpointDeps {
  /** The store's supervised embedded database. */
  readonly database: SupervisedDatabase;
  readonly clock: Clock;
  /** Called when a client connects, sends something or leaves (for `--idle-exit`). */
  readonly onActivity?: () => void;
}

interface ProtocolCapable {
  execProtocol(message: Uint8Array, onData: (chunk: Uint8Array) => void): Promise<ProtocolState>;
}

/**
 * Start the Postgres wire endpoint on the store's embedded instance. Each connection gets a
 * `PGLiteSocketHandler` from pglite-socket (message framing, SSL and cancel requests, cleanup
 * when the client goes); their messages are ordered by a {@link WireScheduler} that shares the
 * one session with the store's own calls. pglite-socket's `PGLiteSocketServer` is not used: its
 * queue lets a store call run inside a client's transaction, is bound to one PGlite instance,
 * and has no password check and no per-client figures.
 */
export async function openWireEndpoint(
  options: WireEndpointOptions,
  deps: WireEndpointDeps,
): Promise<WireEndpoint> {
  // Loaded here, not at start-up: only `serve` needs pglite-socket (and through it, PGlite).
  const { PGLiteSocketHandler: Handler } = await import('@electric-sql/pglite-socket');
  const endpoint = new WireEndpoint(options, deps, Handler);
  try {
    await endpoint.listen();
  } catch (error) {
    // The TCP server may be listening already (the unix socket failed): it would keep the
    // process alive.
    await endpoint.close(0);
    throw error;
  }
  return endpoint;
}

/** The running wire endpoint; `close()` it. */
export class WireEndpoint {
  readonly #options: WireEndpointOptions;
  readonly #host: string;
  readonly #maxConnections: number;
  readonly #deps: WireEndpointDeps;
  readonly #scheduler: WireScheduler;
  readonly #Handler: typeof PGLiteSocketHandler;
  readonly #clients = new Map<number, WireClient>();
  readonly #sockets = new Map<number, Socket>();
  readonly #servers: Server[] = [];
  #port = 0;
  #peak = 0;
  #accepted = 0;
  #refused = 0;
  #closing: Promise<void> | undefined;
  #onEmpty: (() => void) | undefined;

  constructor(
    options: WireEndpointOptions,
    deps: WireEndpointDeps,
    Handler: typeof PGLiteSocketHandler,
  ) {
    this.#Handler = Handler;
    this.#options = options;
    this.#host = options.host ?? '127.0.0.1';
    this.#maxConnections = options.maxConnections ?? 100;
    this.#deps = deps;
    this.#scheduler = new WireScheduler(
      { token: options.token, idleTransactionTimeoutMs: options.idleTransactionTimeoutMs ?? 2000 },
      {
        clock: deps.clock,
        client: (id) => this.#clients.get(id),
        disconnect: (id, sqlState, message) => this.#disconnect(id, sqlState, message),
        execute: (message, onData, expected) =>
          deps.database.withInstance('wire message', async (db, generation) => {
            if (expected !== undefined && expected !== generation) {
              return { outcome: 'restarted', generation };
            }
            return { outcome: await protocolOf(db).execProtocol(message, onData), generation };
          }),
      },
    );
  }

  /** Where TCP clients connect. */
  get address(): { readonly host: string; readonly port: number } {
    return { host: this.#host, port: this.#port };
  }

  /** Clients connected now. */
  get connected(): number {
    return this.#clients.size;
  }

  /** @internal Start listening (called by {@link openWireEndpoint}). */
  async listen(): Promise<void> {
    const tcp = this.#newServer();
    await listenOn(tcp, { host: this.#host, port: this.#options.port ?? 0 });
    const address = tcp.address();
    this.#port = typeof address === 'object' && address !== null ? address.port : 0;
    const path = this.#options.socketPath;
    if (path !== undefined) {
      await clearStaleSocket(path);
      await listenOn(this.#newServer(), { path });
    }
  }

  /** Connection figures and one line per client. */
  stats(): WireStats {
    const now = this.#deps.clock.now();
    const holder = this.#scheduler.holder;
    return {
      current: this.#clients.size,
      peak: this.#peak,
      max: this.#maxConnections,
      accepted: this.#accepted,
      refused: this.#refused,
      waiting: this.#scheduler.waiting,
      clients: [...this.#clients.values()].map((c) => ({
        id: c.id,
        address: c.address,
        user: c.user ?? null,
        applicationName: c.applicationName ?? null,
        connectedAt: new Date(c.connectedAt).toISOString(),
        idleMs: Math.max(0, now - c.lastActivityAt),
        messages: c.messages,
        state: clientState(c, holder),
      })),
    };
  }

  /** The client holding the session now, if any (from memory). */
  holder(): SessionHolder | undefined {
    const held = this.#scheduler.held;
    const client = held === undefined ? undefined : this.#clients.get(held.id);
    if (held === undefined || client === undefined) return undefined;
    return sessionHolder(client, held, this.#deps.clock.now());
  }

  /** Stop accepting connections; connected clients go on. */
  async stopAccepting(): Promise<void> {
    await Promise.all(
      this.#servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
  }

  /**
   * Stop accepting, tell every client the server is shutting down, roll back what they left open,
   * and wait for them to go (sockets still open after `graceMs` are destroyed). Idempotent.
   */
  close(graceMs = 2000): Promise<void> {
    this.#closing ??= (async () => {
      const stopped = this.stopAccepting();
      for (const id of [...this.#clients.keys()]) {
        this.#disconnect(id, '57P01', 'terminating connection: pgcache serve is shutting down');
      }
      const gone = await this.#whenGone(graceMs);
      if (!gone) for (const socket of this.#sockets.values()) socket.destroy();
      await stopped;
    })();
    return this.#closing;
  }

  #newServer(): Server {
    const server = createServer({ noDelay: true }, (socket) => this.#accept(socket));
    this.#servers.push(server);
    return server;
  }

  #accept(socket: Socket): void {
    socket.on('error', () => undefined); // a reset by the client is its way of leaving
    if (this.#closing !== undefined || this.#clients.size >= this.#maxConnections) {
      this.#refused += 1;
      const why =
        this.#closing !== undefined
          ? 'pgcache serve is shutting down'
          : `too many connections (at most ${this.#maxConnections})`;
      const code = this.#closing !== undefined ? '57P01' : '53300';
      socket.end(fatalError(code, why), () => socket.destroy());
      return;
    }
    const handler = new this.#Handler({
      queryQueue: this.#scheduler as unknown as PGLiteSocketHandlerOptions['queryQueue'],
      closeOnDetach: true,
    });
    const now = this.#deps.clock.now();
    const id = handler.handlerId;
    this.#clients.set(id, {
      id,
      address: socket.remoteAddress ?? 'unix socket',
      connectedAt: now,
      lastActivityAt: now,
      messages: 0,
      phase: 'startup',
      user: undefined,
      applicationName: undefined,
      generation: undefined,
      startup: undefined,
    });
    this.#sockets.set(id, socket);
    this.#accepted += 1;
    this.#peak = Math.max(this.#peak, this.#clients.size);
    socket.on('data', () => this.#deps.onActivity?.());
    socket.once('close', () => {
      this.#clients.delete(id);
      this.#sockets.delete(id);
      this.#deps.onActivity?.();
      if (this.#clients.size === 0) this.#onEmpty?.();
    });
    this.#deps.onActivity?.();
    handler.attach(socket).catch(() => socket.destroy());
  }

  #disconnect(id: number, sqlState?: string, message?: string): void {
    const client = this.#clients.get(id);
    const socket = this.#sockets.get(id);
    if (client === undefined || socket === undefined || client.phase === 'closed') return;
    client.phase = 'closed';
    const last = sqlState === undefined ? Buffer.alloc(0) : fatalError(sqlState, message ?? '');
    socket.end(last, () => socket.destroy());
  }

  // Resolve true once every client has gone and its leftovers are cleaned up, false on timeout.
  async #whenGone(graceMs: number): Promise<boolean> {
    const gone = new Promise<void>((resolve) => {
      this.#onEmpty = resolve;
      if (this.#clients.size === 0) resolve();
    }).then(() => this.#scheduler.idle());
    let timer: Timer | undefined;
    const outcome = await Promise.race([
      gone.then(() => true),
      new Promise<false>((resolve) => {
        timer = this.#deps.clock.setTimer(graceMs, () => resolve(false));
      }),
    ]);
    timer?.cancel();
    return outcome;
  }
}

function clientState(client: WireClient, holder: number | undefined): WireClientStats['state'] {
  switch (client.phase) {
    case 'startup':
    case 'password':
      return 'authenticating';
    case 'closed':
      return 'closing';
    case 'ready':
      return holder === client.id ? 'holding' : 'idle';
  }
}

function protocolOf(db: unknown): ProtocolCapable {
  if (typeof (db as Partial<ProtocolCapable>).execProtocol !== 'function') {
    throw new InternalError('the wire endpoint needs the embedded database');
  }
  return db as ProtocolCapable;
}

function listenOn(
  server: Server,
  at: { host?: string; port?: number; path?: string },
): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = at.path ?? `${at.host}:${at.port}`;
      reject(
        new StoreUnavailableError(`cannot listen on ${where}: ${error.message}`, {
          cause: error,
          hint:
            error.code === 'EADDRINUSE'
              ? 'Choose another port (0 picks a free one) or stop what uses it.'
              : 'Check the address and your permissions.',
        }),
      );
    });
    server.listen(
      at.path === undefined ? { host: at.host, port: at.port } : { path: at.path },
      () => resolve(),
    );
  });
}

// A socket file left by a process that died is removed; one that answers is in use.
async function clearStaleSocket(path: string): Promise<void> {
  try {
    if (!lstatSync(path).isSocket()) return;
  } catch {
    return;
  }
  const answers = await new Promise<boolean>((resolve) => {
    const probe = createConnection({ path }, () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (!answers) unlinkSync(path);
}
