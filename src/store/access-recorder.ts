import type { Clock, Timer } from '../clock.js';
import type { Deadline } from '../resilience/deadline.js';
import { AccessLog, type AccessBatch } from './access-log.js';

/** What an {@link AccessRecorder} needs. */
export interface AccessRecorderDeps {
  readonly clock: Clock;
  /** Write one batch (in one transaction, on the resilience path). */
  readonly write: (batch: AccessBatch, deadline: Deadline | undefined) => Promise<void>;
  /** Told when a background write fails (the batch is kept for the next one). */
  readonly onWarning?: ((message: string) => void) | undefined;
}

/** When an {@link AccessRecorder} writes. */
export interface AccessRecorderOptions {
  /** Longest a recorded read waits to be written. @default 1000 */
  readonly intervalMs: number;
  /** Recorded reads and counters that trigger a write at once. @default 500 */
  readonly threshold: number;
}

/**
 * Records reads (access time and count per key) and counters (hits, misses, per-tier figures) in
 * memory and writes them in batches: one background timer while something is recorded, none
 * when idle; a batch whose write fails is kept for the next one; writes never overlap.
 */
export class AccessRecorder {
  readonly #log = new AccessLog();
  readonly #deps: AccessRecorderDeps;
  readonly #options: AccessRecorderOptions;
  #timer: Timer | undefined;
  #writing: Promise<void> | undefined;
  #stopped = false;

  constructor(options: AccessRecorderOptions, deps: AccessRecorderDeps) {
    this.#options = options;
    this.#deps = deps;
  }

  /** Record a read of `key` at `at` (epoch ms), a hit or a miss, and write soon. */
  read(key: string, hit: boolean, at: number): void {
    this.#log.read(key, hit, at);
    this.schedule();
  }

  /** Add `n` to the persisted counter `name`. */
  count(name: string, n = 1): void {
    this.#log.count(name, n);
  }

  /** Write soon: at once when enough is recorded, otherwise within the interval. */
  schedule(): void {
    if (this.#stopped) return;
    if (this.#log.size >= this.#options.threshold) {
      this.#writeInBackground();
      return;
    }
    if (this.#timer !== undefined || this.#log.size === 0) return;
    this.#timer = this.#deps.clock.setTimer(
      this.#options.intervalMs,
      () => {
        this.#timer = undefined;
        if (!this.#stopped && this.#log.size > 0) this.#writeInBackground();
      },
      { background: true },
    );
  }

  /** Write everything recorded so far now (after any write under way). */
  async flush(deadline?: Deadline): Promise<void> {
    while (this.#writing !== undefined) await this.#writing;
    if (this.#log.size === 0) return;
    const batch = this.#log.take();
    this.#writing = this.#deps
      .write(batch, deadline)
      .catch((error: unknown) => {
        this.#log.restore(batch);
        throw error;
      })
      .finally(() => (this.#writing = undefined));
    await this.#writing;
  }

  /** Stop the timer; what is recorded stays until a last `flush()`. */
  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  #writeInBackground(): void {
    this.flush().catch((error: unknown) => {
      this.#deps.onWarning?.(
        `access times and counters will be retried: ${(error as Error).message}`,
      );
    });
  }
}
