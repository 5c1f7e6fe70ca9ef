import { performance } from 'node:perf_hooks';
import type { Clock } from '../clock.js';
import { CircuitOpenError, OriginUnavailableError } from '../errors/index.js';
import { CircuitBreaker, type CircuitBreakerOptions } from '../resilience/circuit-breaker.js';
import type { Deadline } from '../resilience/deadline.js';
import type { HttpOrigin, OriginReply } from './http-origin.js';
import type { TierMetrics } from './tier-metrics.js';

/** What {@link GuardedOrigin} needs injected. */
export interface GuardedOriginDeps {
  readonly origin: HttpOrigin;
  readonly clock: Clock;
  readonly metrics: TierMetrics;
  /** A persisted `breaker.toJSON()` (meta `breaker:origin`) to resume from. */
  readonly breakerInitialState?: unknown;
}

/**
 * The origin behind its own circuit breaker (named `origin`): after `threshold` consecutive
 * failures it is not asked at all until `halfOpenAfterMs` has passed, and calls fail at once with
 * `E_ORIGIN_UNAVAILABLE` (`breakerOpen: true`). A 404 is an answer, not a failure. Requests,
 * failures, rejections and L3 lookups are counted in the tier metrics.
 */
export class GuardedOrigin {
  readonly breaker: CircuitBreaker;
  readonly #origin: HttpOrigin;
  readonly #metrics: TierMetrics;

  constructor(options: Omit<CircuitBreakerOptions, 'name' | 'isFailure'>, deps: GuardedOriginDeps) {
    this.#origin = deps.origin;
    this.#metrics = deps.metrics;
    this.breaker = new CircuitBreaker(
      { ...options, name: 'origin', isFailure: (e) => e instanceof OriginUnavailableError },
      { clock: deps.clock, initialState: deps.breakerInitialState },
    );
  }

  /** Read `key` (an L3 lookup: found is a hit, 404 a miss; a failure is neither). */
  get(key: string, deadline: Deadline): Promise<OriginReply> {
    return this.#call(async () => {
      const started = performance.now();
      const reply = await this.#origin.get(key, deadline);
      this.#metrics.lookup('l3', reply.found, performance.now() - started);
      return reply;
    });
  }

  /** Send `body` (JSON text) for `key` to the origin. */
  put(key: string, body: string, deadline: Deadline): Promise<void> {
    return this.#call(() => this.#origin.put(key, body, deadline));
  }

  async #call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await this.breaker.execute(() => {
        this.#metrics.count('origin.requests');
        return fn();
      });
    } catch (error) {
      if (error instanceof CircuitOpenError) {
        this.#metrics.count('origin.rejected');
        throw new OriginUnavailableError(error.message, {
          breakerOpen: true,
          hint: 'The origin kept failing, so it is not asked for now: check it, or retry after that time.',
        });
      }
      if (error instanceof OriginUnavailableError) this.#metrics.count('origin.failures');
      throw error;
    }
  }
}
