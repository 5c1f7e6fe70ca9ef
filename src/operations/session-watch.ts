import type { Timer } from '../clock.js';
import type { SessionHolder } from './live-figures.js';
import type { OperationContext } from './operation.js';

// How often a read that needs the database looks whether a wire client took the session.
const WATCH_MS = 20;

/**
 * Run `fn` (reads that need the database) unless a wire client holds the owner's session: then
 * answer at once with the holder instead of waiting behind it. A client that takes the session
 * while `fn` runs is noticed within {@link WATCH_MS}; `fn` is left to finish (or time out) on its
 * own, its result unused.
 */
export function whileSessionFree<T>(
  ctx: OperationContext,
  fn: () => Promise<T>,
): Promise<T | { readonly held: SessionHolder }> {
  const held = ctx.live.holder();
  if (held !== undefined) return Promise.resolve({ held });
  if (ctx.live.wire() === undefined) return fn();
  return new Promise((resolve, reject) => {
    let timer: Timer | undefined;
    let settled = false;
    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      timer?.cancel();
      return true;
    };
    const watch = (): void => {
      timer = ctx.clock.setTimer(
        WATCH_MS,
        () => {
          const holder = ctx.live.holder();
          if (holder === undefined) watch();
          else if (finish()) resolve({ held: holder });
        },
        { background: true },
      );
    };
    watch();
    fn().then(
      (value) => finish() && resolve(value),
      (error: unknown) => finish() && reject(error),
    );
  });
}
