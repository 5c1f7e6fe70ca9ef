import { randomInt } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { Clock, Timer } from '../clock.js';
import type { WireClientStats, WireStats } from '../db/database.js';
import type { ExecProtocolOptions } from '../db/embedded-database.js';
import type { ProtocolState } from '../db/protocol-state.js';
import { InternalError } from '../errors/index.js';
import type { SupervisedDatabase } from '../resilience/instance-supervisor.js';
import type { ErrorFields } from './pg-messages.js';
import { fatalError } from './pg-messages.js';
import { clearStaleSocket, listenOn } from './wire/listen.js';
import { WireConnection, type WireConnectionLimits } from './wire/wire-connection.js';
import { WireScheduler } from './wire-scheduler.js';
import type { WireClient, WireSessionHolder } from './wire/wire-job.js';

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
  /** Largest message a client may send (a larger one ends its connection, 54000). @default 64 MiB */
  readonly maxMessageBytes?: number;
  /** Largest COPY … FROM STDIN data kept for one COPY (more fails it, 54000). @default 64 MiB */
  readonly maxCopyBytes?: number;
  /** Longest a client may take to send its startup packet and password. @default 10000 */
  readonly startupTimeoutMs?: number;
  /**
   * A client's statement that runs longer than this while others wait makes the instance
   * supervisor check whether the instance still answers (a hung one is replaced). @default 30000
   */
  readonly hangTimeoutMs?: number;
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
  execProtocol(
    message: Uint8Array,
    onData: (chunk: Uint8Array) => void,
    options?: ExecProtocolOptions,
  ): Promise<ProtocolState>;
}

// What every client is told at startup (ParameterStatus), read from the session once.
const REPORTED = [
  'server_version',
  'server_encoding',
  'client_encoding',
  'DateStyle',
  'IntervalStyle',
  'TimeZone',
  'integer_datetimes',
  'standard_conforming_strings',
  'is_superuser',
  'session_authorization',
  'default_transaction_read_only',
  'in_hot_standby',
  'search_path',
  'scram_iterations',
];
// Process ids given to wire clients start here (PGlite's own backend says 42).
const FIRST_PID = 10_000;

/**
 * Start the Postgres wire endpoint on the store's embedded instance. Each connection is a
 * {@link WireConnection}; their work is ordered onto the one session (shared with the store's
 * own calls) by a {@link WireScheduler}, which isolates clients the way PgBouncer does in
 * transaction mode (see src/serve/wire/statement-policy.ts). pglite-socket's handler is not used:
 * it drops cancel requests, grows one buffer per message, and hands PGlite a COPY's statement
 * without its data (PGlite then exits).
 */
export async function openWireEndpoint(
  options: WireEndpointOptions,
  deps: WireEndpointDeps,
): Promise<WireEndpoint> {
  const { rows } = await deps.database.query<{ name: string; value: string | null }>(
    `SELECT n AS name, pg_catalog.current_setting(n, true) AS value FROM unnest($1::text[]) AS n`,
    [REPORTED],
  );
  const parameters = Object.fromEntries(rows.map((r) => [r.name, r.value ?? '']));
  const endpoint = new WireEndpoint(options, deps, parameters);
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
  readonly #parameters: Readonly<Record<string, string>>;
  readonly #limits: WireConnectionLimits;
  readonly #scheduler: WireScheduler;
  /** Every open socket, started or not. */
  readonly #connections = new Set<WireConnection>();
  /** Started clients, by id and by pid. */
  readonly #clients = new Map<number, WireConnection>();
  readonly #byPid = new Map<number, WireConnection>();
  readonly #servers: Server[] = [];
  #nextId = 1;
  #port = 0;
  #peak = 0;
  #accepted = 0;
  #refused = 0;
  #closing: Promise<void> | undefined;

  constructor(
    options: WireEndpointOptions,
    deps: WireEndpointDeps,
    parameters: Readonly<Record<string, string>>,
  ) {
    this.#options = options;
    this.#host = options.host ?? '127.0.0.1';
    this.#maxConnections = options.maxConnections ?? 100;
    this.#deps = deps;
    this.#parameters = parameters;
    this.#limits = {
      maxMessageBytes: options.maxMessageBytes ?? 64 * 1024 * 1024,
      maxCopyBytes: options.maxCopyBytes ?? 64 * 1024 * 1024,
      startupTimeoutMs: options.startupTimeoutMs ?? 10_000,
    };
    const hangTimeoutMs = options.hangTimeoutMs ?? 30_000;
    this.#scheduler = new WireScheduler(
      { idleTransactionTimeoutMs: options.idleTransactionTimeoutMs ?? 2000, hangTimeoutMs },
      {
        clock: deps.clock,
        client: (id) => this.#clients.get(id)?.client,
        disconnect: (id, sqlState, message) => this.#clients.get(id)?.terminate(sqlState, message),
        probe: () => void deps.database.probe(hangTimeoutMs),
        execute: (message, onData, expected, keep) =>
          deps.database.withInstance('wire message', async (db, generation) => {
            if (expected !== undefined && expected !== generation) {
              return { outcome: 'restarted', generation };
            }
            const outcome = await protocolOf(db).execProtocol(message, onData, {
              keep: keep === true,
            });
            return { outcome, generation };
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

  /** Who has the session right now, from memory (null: nobody, or the store's own calls). */
  session(): WireSessionHolder | null {
    return this.#scheduler.session();
  }

  /** Connection figures and one line per client. */
  stats(): WireStats {
    const now = this.#deps.clock.now();
    const holder = this.#scheduler.session()?.clientId;
    return {
      current: this.#clients.size,
      peak: this.#peak,
      max: this.#maxConnections,
      accepted: this.#accepted,
      refused: this.#refused,
      waiting: this.#scheduler.waiting,
      clients: [...this.#clients.values()].flatMap((connection) => {
        const c = connection.client;
        if (c === undefined) return [];
        return [
          {
            id: c.id,
            address: c.address,
            user: c.user ?? null,
            applicationName: c.applicationName ?? null,
            connectedAt: new Date(c.connectedAt).toISOString(),
            idleMs: Math.max(0, now - c.lastActivityAt),
            messages: c.messages,
            state: clientState(c, holder),
          },
        ];
      }),
    };
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
      const connections = [...this.#connections];
      for (const connection of connections) {
        connection.terminate('57P01', 'terminating connection: pgcache serve is shutting down');
      }
      const gone = Promise.all(connections.map((c) => c.whenClosed())).then(() =>
        this.#scheduler.idle(),
      );
      if (!(await this.#within(gone, graceMs))) {
        for (const connection of this.#connections) connection.socket.destroy();
      }
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
    // Cancel requests come on connections of their own, so a full endpoint still reads first
    // packets; it only refuses sockets far beyond its limit before reading anything.
    if (this.#closing !== undefined || this.#connections.size >= this.#maxConnections * 2 + 16) {
      this.#refused += 1;
      const why =
        this.#closing !== undefined ? 'pgcache serve is shutting down' : 'too many connections';
      socket.end(fatalError(this.#closing !== undefined ? '57P01' : '53300', why), () =>
        socket.destroy(),
      );
      return;
    }
    const connection = new WireConnection(socket, {
      clock: this.#deps.clock,
      scheduler: this.#scheduler,
      token: this.#options.token,
      limits: this.#limits,
      parameters: this.#parameters,
      register: (c, params) => this.#register(c, params),
      unregister: (c) => this.#unregister(c),
      cancelRequest: (pid, secret) => {
        const target = this.#byPid.get(pid);
        if (target !== undefined && target.secret === secret) target.cancel('user');
      },
      signalBackend: (pid, signal, from) => {
        const target = this.#byPid.get(pid);
        if (target === undefined || target === from) return false;
        if (signal === 'cancel') target.cancel('user');
        else target.terminate('57P01', 'terminating connection due to administrator command');
        return true;
      },
      onActivity: this.#deps.onActivity,
    });
    this.#connections.add(connection);
    socket.once('close', () => this.#connections.delete(connection));
    this.#deps.onActivity?.();
  }

  #register(
    connection: WireConnection,
    params: Readonly<Record<string, string>>,
  ): WireClient | ErrorFields {
    if (this.#closing !== undefined)
      return { sqlState: '57P01', message: 'pgcache serve is shutting down' };
    if (this.#clients.size >= this.#maxConnections) {
      this.#refused += 1;
      return {
        sqlState: '53300',
        message: `too many connections (at most ${this.#maxConnections})`,
      };
    }
    const now = this.#deps.clock.now();
    const id = this.#nextId++;
    const client: WireClient = {
      id,
      pid: FIRST_PID + id,
      address: connection.socket.remoteAddress ?? 'unix socket',
      connectedAt: now,
      lastActivityAt: now,
      messages: 1, // its startup packet
      phase: 'startup',
      user: params['user'],
      applicationName: params['application_name'],
      generation: undefined,
      startup: undefined,
    };
    connection.secret = randomInt(0, 2 ** 31);
    this.#clients.set(id, connection);
    this.#byPid.set(FIRST_PID + id, connection);
    this.#accepted += 1;
    this.#peak = Math.max(this.#peak, this.#clients.size);
    return client;
  }

  #unregister(connection: WireConnection): void {
    const client = connection.client;
    if (client !== undefined) {
      this.#clients.delete(client.id);
      this.#byPid.delete(client.pid ?? 0);
    }
    this.#deps.onActivity?.();
  }

  // Resolve true once `promise` settles, false when `ms` pass first.
  async #within(promise: Promise<unknown>, ms: number): Promise<boolean> {
    let timer: Timer | undefined;
    const outcome = await Promise.race([
      promise.then(() => true),
      new Promise<false>((resolve) => {
        timer = this.#deps.clock.setTimer(ms, () => resolve(false));
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
