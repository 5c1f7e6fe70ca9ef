import type { Clock } from '../clock.js';
import { EarliestTimer } from './earliest-timer.js';

/** A place in an {@link ExpiryQueue}; `cancel()` takes the item out before it expires. */
export interface Expiry {
  cancel(): void;
}

interface Slot<T> extends Expiry {
  readonly at: number;
  item: T | undefined;
}

/**
 * Items that expire at a time of their own, on ONE timer armed for the earliest: a burst of
 * thousands of waiting calls costs a heap entry each, not a timer each. A cancelled item leaves
 * only its empty slot behind until its time (and none once nothing is left to expire).
 */
export class ExpiryQueue<T> {
  readonly #clock: Clock;
  readonly #onExpire: (item: T) => void;
  #heap: Slot<T>[] = [];
  #live = 0;
  readonly #timer: EarliestTimer;

  constructor(clock: Clock, onExpire: (item: T) => void) {
    this.#clock = clock;
    this.#onExpire = onExpire;
    this.#timer = new EarliestTimer(clock, () => this.#fire());
  }

  /** Call `onExpire(item)` at `at` (the clock's time) unless cancelled first. */
  add(at: number, item: T): Expiry {
    const slot: Slot<T> = {
      at,
      item,
      cancel: () => {
        if (slot.item === undefined) return;
        slot.item = undefined;
        this.#live -= 1;
        if (this.#live === 0) this.#reset();
      },
    };
    this.#push(slot);
    this.#live += 1;
    this.#timer.fireBy(at);
    return slot;
  }

  #fire(): void {
    const now = this.#clock.now();
    for (let top = this.#heap[0]; top !== undefined && top.at <= now; top = this.#heap[0]) {
      this.#pop();
      const { item } = top;
      if (item === undefined) continue;
      top.item = undefined;
      this.#live -= 1;
      this.#onExpire(item);
    }
    const next = this.#heap[0];
    if (this.#live === 0) this.#reset();
    else if (next !== undefined) this.#timer.fireBy(next.at);
  }

  #reset(): void {
    this.#timer.cancel();
    this.#heap = [];
  }

  #push(slot: Slot<T>): void {
    const heap = this.#heap;
    let i = heap.push(slot) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((heap[parent] as Slot<T>).at <= slot.at) break;
      heap[i] = heap[parent] as Slot<T>;
      i = parent;
    }
    heap[i] = slot;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop() as Slot<T>;
    if (heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child =
        right < heap.length && (heap[right] as Slot<T>).at < (heap[left] as Slot<T>).at
          ? right
          : left;
      if ((heap[child] as Slot<T>).at >= last.at) break;
      heap[i] = heap[child] as Slot<T>;
      i = child;
    }
    heap[i] = last;
  }
}
