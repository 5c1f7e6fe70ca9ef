/** A call waiting in a {@link Lane} for a slot. */
export interface Waiter {
  /** Higher starts first; equal priorities start in arrival order. */
  readonly priority: number;
  /** When it arrived (the clock's `now()`). */
  readonly enqueuedAt: number;
  /** Start the call (the lane has counted it as active). */
  start(): void;
  /** Give up waiting: the call never runs. */
  reject(reason: unknown): void;
}

/**
 * One queue of the bulkhead: at most `limit` calls active, the others waiting by priority, then
 * in arrival order. A call that finds a free slot and nobody waiting takes it at once, with no
 * promise, timer or record; only calls that wait cost anything.
 */
export class Lane {
  readonly name: string;
  readonly limit: number;
  /** Calls running now. */
  active = 0;
  /** Start nothing new while paused; running calls go on and waiting ones keep waiting. */
  paused = false;
  readonly #waiting: Waiter[] = [];

  constructor(name: string, limit: number) {
    this.name = name;
    this.limit = limit;
  }

  /** Calls waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** The call that starts next, if any waits. */
  get head(): Waiter | undefined {
    return this.#waiting[0];
  }

  /** True when a call arriving now would start at once. */
  get free(): boolean {
    return !this.paused && this.#waiting.length === 0 && this.active < this.limit;
  }

  /** Count a call that starts now (after {@link free} said it may). */
  enter(): void {
    this.active += 1;
  }

  /** Queue `waiter` behind every waiter of the same or a higher priority. */
  wait(waiter: Waiter): void {
    const queue = this.#waiting;
    let at = queue.length;
    while (at > 0 && (queue[at - 1] as Waiter).priority < waiter.priority) at -= 1;
    queue.splice(at, 0, waiter);
  }

  /** Take `waiter` out of the queue (it gave up); false when it had already left. */
  remove(waiter: Waiter): boolean {
    const at = this.#waiting.indexOf(waiter);
    if (at < 0) return false;
    this.#waiting.splice(at, 1);
    return true;
  }

  /** A call finished: free its slot and start waiting calls while slots are free. */
  leave(): void {
    this.active -= 1;
    this.pump();
  }

  /** Start waiting calls while the lane is not paused and slots are free. */
  pump(): void {
    while (!this.paused && this.active < this.limit && this.#waiting.length > 0) {
      const next = this.#waiting.shift() as Waiter;
      this.active += 1;
      next.start();
    }
  }

  /** Take every waiting call out of the queue, in order (they never run). */
  clear(): Waiter[] {
    return this.#waiting.splice(0);
  }
}
