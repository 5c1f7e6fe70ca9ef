import { chmodSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Clock, Timer } from '../clock.js';
import { OwnerClosingError, StoreUnavailableError, UsageError } from '../errors/index.js';
import type { ControlClientStats, ControlStats } from '../operations/live-figures.js';
import type { Caller, Operation, OperationContext } from '../operations/operation.js';
import { Deadline } from '../resilience/deadline.js';
import { errorAnswer, readJsonBody, send, type RouteAnswer } from '../serve/http-api.js';
import { removeSocketFile } from './control-socket.js';

/** The request headers a control request carries (see `ControlClient`). */
export const CONTROL_HEADERS = {
  /** Milliseconds the caller will wait for the answer. */
  deadline: 'x-pgcache-deadline-ms',
  /** The caller's pid. */
  pid: 'x-pgcache-pid',
  /** What the caller is, e.g. `pgcache stats`. */
  name: 'x-pgcache-name',
} as const;

/** The path of operation NAME on the control socket. */
export const operationPath = (name: string): string => `/v1/operations/${name}`;

/** What the control endpoint needs injected. */
export interface ControlEndpointDeps {
  readonly clock: Clock;
  /** The operations it answers, by name. */
  readonly operations: ReadonlyMap<string, Operation<unknown, unknown>>;
  /** The context one request runs in. */
  readonly context: (deadline: Deadline, caller: Caller, requestId: number) => OperationContext;
}

// A batch of entries can be large; each entry is still held to maxEntryBytes.
const MAX_BODY_BYTES = 64 * 1024 * 1024;

interface InFlight {
  readonly pid: number;
  readonly name: string;
  readonly operation: string;
  readonly startedAt: number;
}

/**
 * Listen on `path` (a Unix socket, mode 0600) for typed operations from other pgcache processes
 * of this user: `POST /v1/operations/NAME` with the input as its JSON body answers
 * `{"report": …}`, or the error (code, message, hint, exit code) as the HTTP API does. Never
 * raw SQL: each operation runs on the owner's store, on its resilience path. Whatever is at
 * `path` already is left by an owner that died (the caller holds the lock): it is replaced.
 */
export async function openControlEndpoint(
  path: string,
  deps: ControlEndpointDeps,
): Promise<ControlEndpoint> {
  const endpoint = new ControlEndpoint(path, deps);
  await endpoint.listen();
  return endpoint;
}

/** The owner's control socket; `close()` it before the store. */
export class ControlEndpoint {
  readonly path: string;
  readonly #deps: ControlEndpointDeps;
  readonly #server: Server;
  readonly #inFlight = new Map<number, InFlight>();
  #nextId = 1;
  #served = 0;
  #closing: Promise<void> | undefined;

  constructor(path: string, deps: ControlEndpointDeps) {
    this.path = path;
    this.#deps = deps;
    this.#server = createServer((req, res) => this.#handle(req, res));
    // Callers send `Expect: 100-continue` and their input once told to: a call told to continue
    // is the owner's to finish, one refused (closing) is the caller's to retry, and one whose
    // connection dies before either (a backlog the closing socket drops) never started.
    this.#server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      if (this.#closing !== undefined) {
        send(res, errorAnswer(closingError()));
        req.resume();
        return;
      }
      res.writeContinue();
      this.#handle(req, res);
    });
  }

  /** @internal Listen (called by {@link openControlEndpoint}). */
  async listen(): Promise<void> {
    removeSocketFile(this.path);
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new StoreUnavailableError(`cannot listen on ${this.path}: ${error.message}`, {
            cause: error,
            hint: 'Check the permissions of the data directory.',
          }),
        ),
      );
      this.#server.listen({ path: this.path }, () => resolve());
    });
    chmodSync(this.path, 0o600);
  }

  /** Requests in flight (each with its caller) and served so far. */
  stats(): ControlStats {
    const now = this.#deps.clock.now();
    const clients: ControlClientStats[] = [...this.#inFlight].map(([id, r]) => ({
      id,
      pid: r.pid,
      name: r.name,
      operation: r.operation,
      runningMs: Math.max(0, now - r.startedAt),
    }));
    return { path: this.path, current: clients.length, served: this.#served, clients };
  }

  /**
   * Stop accepting, let requests in flight finish within `graceMs` (the store still takes calls;
   * a request that arrives meanwhile is told to retry), then cut what is left and remove the
   * socket file. Idempotent.
   */
  close(graceMs: number): Promise<void> {
    this.#closing ??= (async () => {
      // Resolves once every connection has ended: each one's request answered.
      const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
      let timer: Timer | undefined;
      await Promise.race([
        closed,
        new Promise<void>((resolve) => {
          timer = this.#deps.clock.setTimer(graceMs, resolve);
        }),
      ]);
      timer?.cancel();
      this.#server.closeAllConnections();
      await closed;
      removeSocketFile(this.path);
    })();
    return this.#closing;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const id = this.#nextId++;
    const operation = /^\/v1\/operations\/([a-z-]+)$/.exec(req.url ?? '')?.[1] ?? '';
    const caller: Caller = {
      pid: Number(req.headers[CONTROL_HEADERS.pid] ?? 0),
      name: String(req.headers[CONTROL_HEADERS.name] ?? 'unknown'),
    };
    this.#inFlight.set(id, { ...caller, operation, startedAt: this.#deps.clock.now() });
    void this.#answer(req, id, caller, operation)
      .then((answer) => send(res, answer))
      .catch((error: unknown) => send(res, errorAnswer(error)))
      .finally(() => {
        this.#inFlight.delete(id);
        this.#served += 1;
      })
      // A caller gone before its answer is no failure of the owner (and must never end it).
      .catch(() => undefined);
  }

  async #answer(
    req: IncomingMessage,
    id: number,
    caller: Caller,
    name: string,
  ): Promise<RouteAnswer> {
    const budget = Number(req.headers[CONTROL_HEADERS.deadline]);
    const body = await readJsonBody(req, MAX_BODY_BYTES);
    const operation = this.#deps.operations.get(name);
    if (req.method !== 'POST' || operation === undefined) {
      throw new UsageError(`the control socket has no operation ${req.method} ${req.url}`, {
        hint: 'Use the same pgcache version for the owner of the store and for this command.',
      });
    }
    // The caller stops waiting at its deadline: stop a little before, so that the answer arrives.
    const deadline = Deadline.after(
      this.#deps.clock,
      Number.isFinite(budget) && budget > 0 ? Math.max(1, budget - 20) : 30_000,
    );
    const input = operation.parseInput(body);
    const report = await operation.run(this.#deps.context(deadline, caller, id), input);
    return { status: 200, json: { report } };
  }
}

function closingError(): OwnerClosingError {
  return new OwnerClosingError('the owner of the store is closing', {
    hint: 'Retry: the next owner (or this process, once the lock is free) takes the call.',
  });
}
