import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../src/clock.js';

const DAY = 24 * 60 * 60 * 1000;

describe('systemClock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits the whole of a wait longer than Node’s longest timeout (about 24.8 days)', () => {
    vi.useFakeTimers();
    let fired = 0;
    systemClock.setTimer(30 * DAY, () => (fired += 1));
    vi.advanceTimersByTime(25 * DAY);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(5 * DAY - 1);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(1);
    expect(fired).toBe(1);
  });

  it('cancels a long wait in any of its parts', () => {
    vi.useFakeTimers();
    let fired = 0;
    const timer = systemClock.setTimer(60 * DAY, () => (fired += 1));
    vi.advanceTimersByTime(26 * DAY);
    timer.cancel();
    vi.advanceTimersByTime(60 * DAY);
    expect(fired).toBe(0);
  });
});
