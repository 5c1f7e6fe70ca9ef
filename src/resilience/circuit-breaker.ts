import {
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  isBrokenCircuitError,
  isIsolatedCircuitError,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import type { Clock } from '../clock.js';
import { formatDuration } from '../config/units.js';
import { CircuitOpenError } from '../errors/index.js';
import { countsAsBreakerFailure } from './transient.js';

/** Options for {@link CircuitBreaker}; `threshold` and `halfOpenAfterMs` match the configuration. */
export interface CircuitBreakerOptions {
  /** Names the breaker in messages, snapshots and the persisted document. @default 'store' */
  readonly name?: string;
  /** Consecutive failures that open the breaker. @default 5 */
  readonly threshold?: number;
  /** How long the breaker stays open before one trial call is let through. @default 30000 */
  readonly halfOpenAfterMs?: number;
  /** Which errors count as failures; others pass through untouched. @default countsAsBreakerFailure */
  readonly isFailure?: (error: unknown) => boolean;
}

/** What {@link CircuitBreaker} needs injected. */
export interface CircuitBreakerDeps {
  /** Times our own records. cockatiel reads `Date.now()` itself; keep the two in step in tests. */
  readonly clock: Clock;
  /** A document from {@link CircuitBreaker.toJSON} to resume; one it cannot read is ignored. */
  readonly initialState?: unknown;
}

/** The breaker's state machine; times are epoch milliseconds. */
export type BreakerState =
  | { readonly kind: 'closed'; readonly failures: number }
  | { readonly kind: 'open'; readonly openedAt: number; readonly halfOpenAt: number | null }
  | { readonly kind: 'half-open'; readonly openedAt: number; readonly halfOpenAt: number };

/** A breaker's state as `stats` and `doctor` show it. */
export interface BreakerSnapshot {
  readonly name: string;
  readonly state: BreakerState['kind'];
  /** Consecutive failures counted so far. */
  readonly failures: number;
  /** When it opened (ISO), while open or half-open. */
  readonly openedAt: string | null;
  /** When it lets (or let) a trial call through (ISO), while open or half-open. */
  readonly halfOpenAt: string | null;
}

/** What {@link CircuitBreaker.toJSON} returns: a snapshot plus cockatiel's own state. */
export interface BreakerDocument extends BreakerSnapshot {
  readonly version: 1;
  readonly cockatiel: unknown;
}

/** A listener registration; `dispose()` removes it and may be called any number of times. */
export interface Subscription {
  dispose(): void;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/**
 * A consecutive-failure circuit breaker on cockatiel: after `threshold` infrastructure failures in
 * a row it rejects calls at once with {@link CircuitOpenError}, lets one trial call through after
 * `halfOpenAfterMs`, and closes when it succeeds (or reopens when it fails). Its state can be
 * persisted with `toJSON()` and resumed by another instance, in another process.
 */
export class CircuitBreaker {
  readonly name: string;
  readonly #threshold: number;
  readonly #halfOpenAfterMs: number;
  readonly #clock: Clock;
  readonly #counter: ConsecutiveBreaker;
  readonly #policy: CircuitBreakerPolicy;
  readonly #listeners = new Set<{ listener: (snapshot: BreakerSnapshot) => void }>();
  readonly #isFailure: (error: unknown) => boolean;
  #closed: boolean;
  #openedAt: number | null = null;
  #halfOpenAt: number | null = null;
  // cockatiel starts the trial call before it records the half-open state; this covers the gap.
  #trialStarted = false;

  constructor(options: CircuitBreakerOptions, deps: CircuitBreakerDeps) {
    this.name = options.name ?? 'store';
    this.#threshold = options.threshold ?? 5;
    this.#halfOpenAfterMs = options.halfOpenAfterMs ?? 30_000;
    if (!Number.isInteger(this.#threshold) || this.#threshold < 1) {
      throw new RangeError(
        `Expected \`threshold\` to be an integer from 1 and up, got ${this.#threshold}`,
      );
    }
    if (!(this.#halfOpenAfterMs >= 0 && Number.isFinite(this.#halfOpenAfterMs))) {
      throw new RangeError(
        `Expected \`halfOpenAfterMs\` to be 0 or more, got ${this.#halfOpenAfterMs}`,
      );
    }
    this.#clock = deps.clock;
    const restored = readDocument(deps.initialState);
    this.#counter = new ConsecutiveBreaker(this.#threshold);
    const isFailure = options.isFailure ?? countsAsBreakerFailure;
    this.#isFailure = isFailure;
    this.#policy = circuitBreaker(handleWhen(isFailure), {
      halfOpenAfter: this.#halfOpenAfterMs,
      breaker: this.#counter,
      initialState: restored?.cockatiel,
    });
    this.#closed = this.#policy.state === CircuitState.Closed;
    if (restored !== undefined && this.#policy.state === CircuitState.Open) {
      this.#openedAt = restored.openedAt ?? this.#cockatielOpenedAt();
      this.#halfOpenAt = restored.halfOpenAt ?? this.#openedAt + this.#halfOpenAfterMs;
    }
    this.#policy.onHalfOpen(() => {
      this.#trialStarted = true;
      this.#halfOpenAt = this.#clock.now();
    });
    this.#policy.onStateChange((state) => this.#changed(state));
  }

  /** The current state. */
  get state(): BreakerState {
    const failures = this.#counter.state;
    const openedAt = this.#openedAt ?? this.#clock.now();
    switch (this.#policy.state) {
      case CircuitState.Closed:
        return { kind: 'closed', failures };
      case CircuitState.Open:
      case CircuitState.Isolated:
        if (!this.#trialStarted) return { kind: 'open', openedAt, halfOpenAt: this.#halfOpenAt };
        return { kind: 'half-open', openedAt, halfOpenAt: this.#halfOpenAt ?? this.#clock.now() };
      case CircuitState.HalfOpen:
        return { kind: 'half-open', openedAt, halfOpenAt: this.#halfOpenAt ?? this.#clock.now() };
    }
  }

  /**
   * True while the breaker lets every call through: a field read, for the runner's fast path,
   * which then runs calls itself and reports each outcome with {@link succeeded} or
   * {@link failed} (what {@link execute} would record in the closed state).
   */
  get closed(): boolean {
    return this.#closed;
  }

  /** A call that ran while {@link closed} succeeded: the count of consecutive failures restarts. */
  succeeded(): void {
    this.#counter.success();
  }

  /**
   * A call that ran while {@link closed} failed with `error`: when the error counts and the
   * breaker is still closed, count it as {@link execute} would (opening the breaker at the
   * threshold). Resolves once it is counted.
   */
  failed(error: unknown): Promise<void> {
    if (!this.#closed || !this.#isFailure(error)) return Promise.resolve();
    return this.#policy
      .execute(() => Promise.reject(error))
      .then(
        () => undefined,
        () => undefined,
      );
  }

  /** Run `fn` through the breaker; while open, reject at once with {@link CircuitOpenError}. */
  async execute<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await this.#policy.execute(() => fn());
    } catch (error) {
      if (isBrokenCircuitError(error) || isIsolatedCircuitError(error)) throw this.#openError();
      throw error;
    }
  }

  /** The state as plain data for `stats` and `doctor`. */
  snapshot(): BreakerSnapshot {
    const state = this.state;
    const failures = this.#counter.state;
    switch (state.kind) {
      case 'closed':
        return { name: this.name, state: 'closed', failures, openedAt: null, halfOpenAt: null };
      case 'open':
      case 'half-open':
        return {
          name: this.name,
          state: state.kind,
          failures,
          openedAt: iso(state.openedAt),
          halfOpenAt: iso(state.halfOpenAt),
        };
    }
  }

  /** Call `listener` with a snapshot after every state change. A listener that throws is ignored. */
  onStateChange(listener: (snapshot: BreakerSnapshot) => void): Subscription {
    const entry = { listener };
    this.#listeners.add(entry);
    return { dispose: () => void this.#listeners.delete(entry) };
  }

  /**
   * A document to persist and hand back as `initialState`. A manually isolated breaker is
   * persisted as closed: isolation belongs to the process that asked for it.
   */
  toJSON(): BreakerDocument {
    if (this.#policy.state === CircuitState.Isolated) {
      const closed = { ownState: { value: CircuitState.Closed }, breakerState: 0 };
      const snapshot = { name: this.name, state: 'closed' as const, failures: 0 };
      return { version: 1, ...snapshot, openedAt: null, halfOpenAt: null, cockatiel: closed };
    }
    return { version: 1, ...this.snapshot(), cockatiel: this.#policy.toJSON() };
  }

  #changed(state: CircuitState): void {
    this.#trialStarted = state === CircuitState.HalfOpen;
    this.#closed = state === CircuitState.Closed;
    switch (state) {
      case CircuitState.Closed:
        // cockatiel closes after a trial call that failed with an error we do not count, without
        // resetting the counter; reset it so one later failure does not reopen the breaker.
        this.#counter.success();
        this.#openedAt = null;
        this.#halfOpenAt = null;
        break;
      case CircuitState.Open:
        this.#openedAt = this.#cockatielOpenedAt();
        this.#halfOpenAt = this.#openedAt + this.#halfOpenAfterMs;
        break;
      case CircuitState.HalfOpen:
        break;
      case CircuitState.Isolated:
        this.#openedAt = this.#clock.now();
        this.#halfOpenAt = null;
        break;
    }
    const snapshot = this.snapshot();
    for (const { listener } of this.#listeners) {
      try {
        listener(snapshot);
      } catch {
        // A listener's failure must not break the breaker or the call that changed its state.
      }
    }
  }

  // The time cockatiel itself counts the open period from (it reads Date.now()).
  #cockatielOpenedAt(): number {
    const own = (this.#policy.toJSON() as { ownState?: { openedAt?: unknown } }).ownState;
    return typeof own?.openedAt === 'number' && own.openedAt > 0 ? own.openedAt : this.#clock.now();
  }

  #openError(): CircuitOpenError {
    const at = this.#halfOpenAt;
    const when =
      at === null
        ? 'it stays open until it is released'
        : `it lets a trial call through at ${iso(at)} (in ${formatDuration(Math.max(0, at - this.#clock.now()))})`;
    return new CircuitOpenError(
      `the ${this.name} circuit breaker is open after ${this.#threshold} consecutive failures; ${when}`,
      { hint: 'The store keeps failing: run `pgcache doctor`, or retry after that time.' },
    );
  }
}

interface RestoredState {
  readonly cockatiel: { ownState: { value: CircuitState }; breakerState: number };
  readonly openedAt: number | null;
  readonly halfOpenAt: number | null;
}

// Accept only a document this class wrote; anything else starts the breaker closed.
function readDocument(value: unknown): RestoredState | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const doc = value as Partial<BreakerDocument>;
  type Own = { value?: unknown; openedAt?: unknown; attemptNo?: unknown };
  const inner = doc.cockatiel as { ownState?: Own; breakerState?: unknown } | null | undefined;
  const own = inner?.ownState;
  if (doc.version !== 1 || typeof inner?.breakerState !== 'number') return undefined;
  const open =
    own?.value === CircuitState.Open &&
    typeof own.openedAt === 'number' &&
    typeof own.attemptNo === 'number';
  // Isolated is never resumed: it belongs to the process that isolated the breaker.
  if (own?.value !== CircuitState.Closed && !open) return undefined;
  const time = (text: unknown): number | null => {
    const ms = typeof text === 'string' ? Date.parse(text) : Number.NaN;
    return Number.isNaN(ms) ? null : ms;
  };
  return {
    cockatiel: structuredClone(inner) as RestoredState['cockatiel'],
    openedAt: time(doc.openedAt),
    halfOpenAt: time(doc.halfOpenAt),
  };
}
