import { type Clock, sleep } from './clock.js';

/** How many event-loop resources of each type, e.g. from `process.getActiveResourcesInfo()`. */
export type Census = ReadonlyMap<string, number>;

/** Count resource type names. */
export function countResources(names: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return counts;
}

/** The types `now` has more of than `baseline`, with how many more. */
function extraOver(baseline: Census, now: Census): [string, number][] {
  return [...now]
    .map(([type, n]): [string, number] => [type, n - (baseline.get(type) ?? 0)])
    .filter(([, extra]) => extra > 0);
}

// Pipes, sockets and file requests close a moment after the close() that ends them resolves, and
// later on a busy machine: give them up to a second. A leak stays past it; a clean close costs
// no wait at all.
const SETTLE_POLLS = 20;
const SETTLE_POLL_MS = 50;

/**
 * `read()` until nothing is over `baseline` or the bounded wait is over; answers the last census
 * and what it still has over the baseline.
 */
export async function settledCensus(
  read: () => Census,
  baseline: Census,
  clock: Clock,
): Promise<{ census: Census; extra: [string, number][] }> {
  let census = read();
  let extra = extraOver(baseline, census);
  for (let poll = 0; poll < SETTLE_POLLS && extra.length > 0; poll += 1) {
    await sleep(clock, SETTLE_POLL_MS);
    census = read();
    extra = extraOver(baseline, census);
  }
  return { census, extra };
}
