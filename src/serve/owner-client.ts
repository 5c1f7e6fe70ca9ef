import type { Clock, Timer } from '../clock.js';
import type { WireStats } from '../db/database.js';
import { RemoteError, StoreUnavailableError } from '../errors/index.js';
import type { MaintainReport } from '../maintain/maintain.js';
import type { Deadline } from '../resilience/deadline.js';
import type { StoreStats } from '../store/stats.js';
import type { OwnerApi } from '../store/owned-store.js';

/** Where and how to reach the `serve` process that owns a data directory. */
export interface OwnerClientOptions {
  /** Its HTTP API, from the lock file. */
  readonly url: string;
  /** The bearer token, when it requires one. */
  readonly token?: string | undefined;
  /** Names it in messages, e.g. `serve, pid 4242`. */
  readonly via: string;
}

/**
 * The HTTP client a store reached through `serve` uses for what only the owner knows: `stats`
 * (its queue, breakers and wire clients) and maintenance (which must run where the queue can be
 * drained, one run at a time).
 */
export class OwnerClient implements OwnerApi {
  readonly #options: OwnerClientOptions;
  readonly #clock: Clock;

  constructor(options: OwnerClientOptions, clock: Clock) {
    this.#options = options;
    this.#clock = clock;
  }

  stats(options: { deadline: Deadline }): Promise<StoreStats> {
    return this.#request<StoreStats>('GET', '/v1/stats', undefined, options.deadline);
  }

  /**
   * The clients of its wire endpoint, read without a database call (`GET /v1/connections`), so
   * that a client holding the session can be seen; null when it has no wire endpoint.
   */
  async connections(options: { deadline: Deadline }): Promise<WireStats | null> {
    const doc = await this.#request<{ wire: WireStats | null }>(
      'GET',
      '/v1/connections',
      undefined,
      options.deadline,
    );
    return doc.wire;
  }

  maintain(options: { dryRun: boolean; deadline: Deadline }): Promise<MaintainReport> {
    return this.#request<MaintainReport>(
      'POST',
      '/v1/maintain',
      { dryRun: options.dryRun },
      options.deadline,
    );
  }

  async #request<T>(method: string, path: string, body: unknown, deadline: Deadline): Promise<T> {
    const { url, token, via } = this.#options;
    const abort = new AbortController();
    let timer: Timer | undefined;
    if (Number.isFinite(deadline.remaining())) {
      timer = this.#clock.setTimer(deadline.remaining(), () => abort.abort(), { background: true });
    }
    let response: Response;
    let doc: Record<string, unknown>;
    try {
      response = await fetch(`${url}${path}`, {
        method,
        signal: abort.signal,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      doc = (await response.json()) as Record<string, unknown>;
    } catch (error) {
      if (abort.signal.aborted) throw deadline.exceeded('attempt', `waiting for ${via}`);
      throw new StoreUnavailableError(
        `cannot reach ${via} at ${url}: ${(error as Error).message}`,
        {
          cause: error,
          hint: 'Check that the serve process is still running; retry when it is.',
        },
      );
    } finally {
      timer?.cancel();
    }
    if (!response.ok) {
      const remote = doc['error'] as ConstructorParameters<typeof RemoteError>[0] | undefined;
      throw new RemoteError(
        remote ?? { code: 'E_REMOTE', message: `HTTP ${response.status}`, exitCode: 69 },
        via,
      );
    }
    delete doc['schemaVersion'];
    return doc as T;
  }
}
