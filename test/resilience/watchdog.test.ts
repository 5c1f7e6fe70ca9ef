import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { Watchdog } from '../../src/resilience/watchdog.js';

describe('Watchdog', () => {
  it('fires each watch at its time, on one timer, and skips the ones unwatched', () => {
    const clock = new ManualClock(0);
    const dog = new Watchdog(clock);
    const fired: string[] = [];
    dog.watch(100, () => fired.push('a'));
    const cancelB = dog.watch(150, () => fired.push('b'));
    dog.watch(50, () => fired.push('c'));
    dog.watch(300, () => fired.push('d'));
    expect(clock.pendingTimers).toBe(1);
    cancelB();
    clock.advance(99);
    expect(fired).toEqual(['c']);
    clock.advance(1);
    expect(fired).toEqual(['c', 'a']);
    clock.advance(200);
    expect(fired).toEqual(['c', 'a', 'd']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('dispose() cancels the timer so that nothing stays scheduled', () => {
    const clock = new ManualClock(0);
    const dog = new Watchdog(clock);
    const fired: number[] = [];
    dog.watch(10, () => fired.push(1));
    dog.dispose();
    clock.advance(100);
    expect(fired).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
  });
});
