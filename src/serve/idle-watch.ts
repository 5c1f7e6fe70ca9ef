import type { Clock, Timer } from '../clock.js';

/**
 * Calls `onIdle` once nobody has been connected and nothing has arrived for `idleMs` (serve's
 * `--idle-exit`). Activity only records a time: the one timer re-arms itself when it fires early.
 */
export class IdleWatch {
  readonly #clock: Clock;
  readonly #idleMs: number | undefined;
  readonly #onIdle: (() => void) | undefined;
  #last: number;
  #timer: Timer | undefined;
  #stopped = false;
  /** How many clients are connected now (none counts as idle). */
  connected: () => number = () => 0;

  constructor(clock: Clock, idleMs: number | undefined, onIdle: (() => void) | undefined) {
    this.#clock = clock;
    this.#idleMs = idleMs !== undefined && idleMs > 0 ? idleMs : undefined;
    this.#onIdle = onIdle;
    this.#last = clock.now();
  }

  /** Start watching (after the endpoints are up). */
  start(): void {
    this.#last = this.#clock.now();
    this.#arm(this.#idleMs);
  }

  /** Something happened: a connection, a message, a request. */
  touch(): void {
    this.#last = this.#clock.now();
  }

  /** Stop for good. */
  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
  }

  #arm(ms: number | undefined): void {
    if (ms === undefined || this.#stopped) return;
    this.#timer = this.#clock.setTimer(ms, () => this.#check(), { background: true });
  }

  #check(): void {
    if (this.#stopped || this.#idleMs === undefined) return;
    const quiet = this.#clock.now() - this.#last;
    if (this.connected() > 0) this.#arm(this.#idleMs);
    else if (quiet < this.#idleMs) this.#arm(this.#idleMs - quiet);
    else this.#onIdle?.();
  }
}
