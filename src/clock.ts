/** A scheduled callback that can be cancelled. */
export interface Timer {
  /** Cancel the callback; calling it after the callback ran is harmless. */
  cancel(): void;
}

/** Options for {@link Clock.setTimer}. */
export interface TimerOptions {
  /** A background timer that must not keep the process alive. @default false */
  background?: boolean;
}

/**
 * The source of time for everything in the core. Tests hand in a {@link ManualClock} and advance
 * it; nothing in the core reads `Date.now()` or calls `setTimeout` directly.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Run `fn` after `ms` milliseconds. */
  setTimer(ms: number, fn: () => void, options?: TimerOptions): Timer;
}

// Node fires a timeout longer than this (about 24.8 days) after 1 ms, with a warning.
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * The real clock: `Date.now()` and Node timers (background timers are unref'd). A wait longer
 * than Node's longest timeout is made of several, so a `30d` budget lasts 30 days.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn, options = {}) {
    let handle: NodeJS.Timeout;
    const arm = (left: number): void => {
      const step = Math.min(Math.max(0, left), MAX_TIMEOUT_MS);
      handle = setTimeout(() => (left > step ? arm(left - step) : fn()), step);
      if (options.background === true) handle.unref();
    };
    arm(ms);
    return { cancel: () => clearTimeout(handle) };
  },
};

/**
 * Resolve after `ms` on `clock`, or reject with `signal.reason` as soon as `signal` aborts.
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      timer.cancel();
      reject(signal?.reason);
    };
    const timer = clock.setTimer(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

interface ScheduledTimer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * A clock that only moves when told to: `advance(ms)` fires every timer that falls due, in order.
 * For deterministic tests of timeouts, backoff and breakers without sleeping.
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: ScheduledTimer[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(ms: number, fn: () => void): Timer {
    const timer: ScheduledTimer = {
      at: this.#now + Math.max(0, ms),
      seq: this.#seq++,
      fn,
      cancelled: false,
    };
    this.#timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  /** Timers scheduled and not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.#timers.filter((t) => !t.cancelled).length;
  }

  /** Move time forward by `ms`, firing due timers in order (synchronously). */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const due = this.#timers
        .filter((t) => !t.cancelled && t.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#now = Math.max(this.#now, due.at);
      due.fn();
    }
    this.#now = target;
  }

  /** Move time forward by `ms`, then let pending promise callbacks run. */
  async tick(ms = 0): Promise<void> {
    this.advance(ms);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * Run `fn` every `ms` on `clock` until `cancel()`; a background repetition, which never keeps the
 * process alive.
 */
export function every(clock: Clock, ms: number, fn: () => void): Timer {
  let timer: Timer | undefined;
  let cancelled = false;
  const tick = (): void => {
    if (cancelled) return;
    fn();
    timer = clock.setTimer(ms, tick, { background: true });
  };
  timer = clock.setTimer(ms, tick, { background: true });
  return {
    cancel: () => {
      cancelled = true;
      timer?.cancel();
    },
  };
}
