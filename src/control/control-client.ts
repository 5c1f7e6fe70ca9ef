import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import type { Clock, Timer } from '../clock.js';
import {
  OwnerClosingError,
  RemoteError,
  StoreUnavailableError,
  type LockOwner,
  type PgcacheError,
} from '../errors/index.js';
import type { Caller } from '../operations/operation.js';
import type { Deadline } from '../resilience/deadline.js';
import { CONTROL_HEADERS, operationPath } from './control-endpoint.js';

/** How messages name the owner of a data directory: `serve, pid 4242`, or `pid 4242`. */
export function ownerVia(owner: LockOwner): string {
  return owner.endpoints?.http === undefined ? `pid ${owner.pid}` : `serve, pid ${owner.pid}`;
}

/** Where and as whom {@link ControlClient} reaches an owner. */
export interface ControlClientOptions {
  /** The owner's control socket, from its lock file. */
  readonly path: string;
  /** Names the owner in messages, e.g. `pid 4242`. */
  readonly via: string;
  /** This process, as the owner's figures list it. */
  readonly caller: Caller;
  readonly clock: Clock;
}

/**
 * Sends typed operations to the owner of a data directory over its control socket. A call the
 * owner did not start (it is not listening, or closing) fails with E_OWNER_CLOSING, so that the
 * caller can wait its turn and try again; an error the owner reports keeps its code.
 */
export class ControlClient {
  readonly #options: ControlClientOptions;

  constructor(options: ControlClientOptions) {
    this.#options = options;
  }

  /** Who this client reaches, e.g. `pid 4242`. */
  get via(): string {
    return this.#options.via;
  }

  /** Run operation `name` with `input` on the owner; resolves to its report. */
  async call<R>(name: string, input: unknown, deadline: Deadline): Promise<R> {
    const body = JSON.stringify(input ?? {});
    const { status, doc } = await this.#post(operationPath(name), body, deadline);
    if (status === 200) return (doc as { report: R }).report;
    throw this.#remoteError(doc);
  }

  #post(path: string, body: string, deadline: Deadline): Promise<{ status: number; doc: unknown }> {
    const { clock, via } = this.#options;
    return new Promise((resolve, reject) => {
      // Told to continue: from then on the call is the owner's (see ControlEndpoint).
      let started = false;
      let timer: Timer | undefined;
      const fail = (error: Error): void => {
        timer?.cancel();
        reject(error);
      };
      const req = this.#request(path, body, deadline);
      if (Number.isFinite(deadline.remaining())) {
        timer = clock.setTimer(deadline.remaining(), () => {
          req.destroy();
          fail(deadline.exceeded('run', `waiting for ${via}`));
        });
      }
      req.on('error', (error: NodeJS.ErrnoException) => fail(this.#lost(error, started)));
      req.on('continue', () => {
        started = true;
        req.end(body);
      });
      req.on('response', (res: IncomingMessage) => {
        started = true;
        readAll(res)
          .then((text) => {
            timer?.cancel();
            resolve({ status: res.statusCode ?? 0, doc: this.#parse(text) });
          })
          .catch(fail);
      });
      req.flushHeaders();
    });
  }

  #request(path: string, body: string, deadline: Deadline): ClientRequest {
    const { caller } = this.#options;
    return request({
      socketPath: this.#options.path,
      path,
      method: 'POST',
      agent: false,
      headers: {
        expect: '100-continue',
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        [CONTROL_HEADERS.deadline]: String(Math.round(deadline.remaining())),
        [CONTROL_HEADERS.pid]: String(caller.pid),
        [CONTROL_HEADERS.name]: caller.name,
      },
    });
  }

  // A connection that failed before the owner took the call: it did not run, retry. After: the
  // owner went away in the middle, and whether the call ran is unknown.
  #lost(error: NodeJS.ErrnoException, started: boolean): PgcacheError {
    const { via } = this.#options;
    if (!started) {
      return new OwnerClosingError(
        `${via} did not take the call (${error.code ?? error.message})`,
        {
          hint: 'Retry in a moment: the owner is starting or closing.',
        },
      );
    }
    return new StoreUnavailableError(`${via} went away during the call: ${error.message}`, {
      cause: error,
      hint: 'Check whether it is still running; run the command again.',
    });
  }

  #parse(text: string): unknown {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new StoreUnavailableError(`${this.#options.via} sent an answer that is not JSON`, {
        cause: error,
        hint: 'Use the same pgcache version for the owner and for this command.',
      });
    }
  }

  #remoteError(doc: unknown): PgcacheError {
    const remote = (doc as { error?: ConstructorParameters<typeof RemoteError>[0] }).error ?? {
      code: 'E_REMOTE',
      message: 'the owner answered without a report',
      exitCode: 69,
    };
    // Closing, or its store closed before the call left the queue: the call did not run.
    if (remote.code === 'E_OWNER_CLOSING' || remote.code === 'E_CLOSED') {
      return new OwnerClosingError(`${remote.message} (reported by ${this.#options.via})`, {
        hint: remote.hint,
      });
    }
    return new RemoteError(remote, this.#options.via);
  }
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}
