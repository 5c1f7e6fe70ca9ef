import type { Clock, Timer } from '../clock.js';
import { OriginUnavailableError } from '../errors/index.js';
import { Deadline } from '../resilience/deadline.js';
import type { Store } from '../store/store.js';
import { acknowledgeOutbox, postponeOutbox, selectDueOutbox, type OutboxItem } from './outbox.js';

/** Options for {@link OutboxFlusher}. */
export interface OutboxFlusherOptions {
  /** Keys read per round. @default 50 */
  readonly batchSize?: number;
  /** Wait before the first retry of a key; it doubles with each failure. @default 1000 */
  readonly baseDelayMs?: number;
  /** The longest wait between retries. @default 300000 */
  readonly maxDelayMs?: number;
}

/** What {@link OutboxFlusher} needs injected. */
export interface OutboxFlusherDeps {
  readonly store: Store;
  readonly clock: Clock;
  /** Send one write to the origin; resolves once the origin accepted it. */
  readonly send: (key: string, body: string, deadline: Deadline) => Promise<void>;
  /** Problems of a background run. */
  readonly onWarning?: ((message: string) => void) | undefined;
}

/** What one flush did. */
export interface OutboxFlushReport {
  /** Keys whose newest write the origin accepted. */
  readonly sent: number;
  /** Keys whose send failed; each waits for its backoff before the next try. */
  readonly failed: number;
  /** True when the flush stopped because the origin's breaker is open. */
  readonly breakerOpen: boolean;
}

/**
 * Sends the write-behind outbox to the origin. A write leaves the outbox only after the origin
 * accepted it (so delivery is at least once: a process that dies after the origin answered and
 * before the delete sends it again, which a PUT of the same value makes harmless). A failed key
 * waits base × 2ⁿ (capped) before its next try; an open breaker stops the flush at once.
 */
export class OutboxFlusher {
  readonly #batchSize: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #deps: OutboxFlusherDeps;
  #running: Promise<OutboxFlushReport> | undefined;
  #timer: Timer | undefined;
  #stopped = true;
  // Set by stop(): the flush running ends after its current send.
  #halting = false;

  constructor(options: OutboxFlusherOptions, deps: OutboxFlusherDeps) {
    this.#batchSize = options.batchSize ?? 50;
    this.#baseDelayMs = options.baseDelayMs ?? 1000;
    this.#maxDelayMs = options.maxDelayMs ?? 300_000;
    if (!(this.#baseDelayMs > 0 && this.#maxDelayMs >= this.#baseDelayMs))
      throw new RangeError(
        `Expected 0 < \`baseDelayMs\` ≤ \`maxDelayMs\`, got ${this.#baseDelayMs} and ${this.#maxDelayMs}`,
      );
    this.#deps = deps;
  }

  /** The wait before the next try of a key that has failed `attempts` times (this one included). */
  backoffMs(attempts: number): number {
    return Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** Math.max(0, attempts - 1));
  }

  /**
   * Send every write that is due, round after round, until none is due, the breaker opens or the
   * deadline passes. Calls made while one runs share it.
   */
  flush(deadline: Deadline): Promise<OutboxFlushReport> {
    this.#running ??= this.#flush(deadline).finally(() => (this.#running = undefined));
    return this.#running;
  }

  /**
   * Flush every `intervalMs` in the background (for `serve`) until {@link stop}, each flush within
   * `budgetMs`. Calling it while started changes nothing.
   */
  start(intervalMs: number, budgetMs = intervalMs * 10): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const tick = (): void => {
      this.#timer = undefined;
      if (this.#stopped) return;
      this.flush(Deadline.after(this.#deps.clock, budgetMs))
        .catch((error: unknown) =>
          this.#deps.onWarning?.(`the outbox flush failed: ${(error as Error).message}`),
        )
        .finally(() => {
          if (!this.#stopped)
            this.#timer = this.#deps.clock.setTimer(intervalMs, tick, { background: true });
        });
    };
    tick();
  }

  /**
   * Stop the background flushes; the flush running, if any, ends after its current send (what it
   * did not send stays in the outbox). Resolves once it has ended.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#halting = true;
    try {
      await this.#running?.catch(() => undefined);
    } finally {
      this.#halting = false;
    }
  }

  async #flush(deadline: Deadline): Promise<OutboxFlushReport> {
    const { store, clock } = this.#deps;
    let sent = 0;
    let failed = 0;
    for (;;) {
      if (deadline.expired || this.#halting) break;
      const now = new Date(clock.now());
      const due = await store.execute(
        'read',
        'outbox.due',
        (db) => selectDueOutbox(db, now, this.#batchSize),
        { deadline },
      );
      if (due.length === 0) break;
      const sentBefore = sent;
      for (const item of due) {
        if (deadline.expired || this.#halting) return { sent, failed, breakerOpen: false };
        const outcome = await this.#sendOne(item, deadline);
        if (outcome === 'breaker-open') return { sent, failed, breakerOpen: true };
        if (outcome === 'sent') sent += 1;
        else failed += 1;
      }
      // A round where every send failed ends the flush: the origin is struggling.
      if (sent === sentBefore) break;
    }
    return { sent, failed, breakerOpen: false };
  }

  async #sendOne(
    item: OutboxItem,
    deadline: Deadline,
  ): Promise<'sent' | 'failed' | 'breaker-open'> {
    const { store, clock } = this.#deps;
    try {
      await this.#deps.send(item.key, item.body, deadline);
    } catch (error) {
      if (!(error instanceof OriginUnavailableError)) throw error;
      if (error.breakerOpen) return 'breaker-open';
      const retryAt = new Date(clock.now() + this.backoffMs(item.attempts + 1));
      await store.execute(
        'write',
        'outbox.postpone',
        (db) => postponeOutbox(db, item, retryAt, error.message),
        { deadline },
      );
      return 'failed';
    }
    await store.execute('write', 'outbox.acknowledge', (db) => acknowledgeOutbox(db, item), {
      deadline,
    });
    return 'sent';
  }
}
