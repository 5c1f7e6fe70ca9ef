import { readBreakerSnapshots } from '../../store/breaker-persistence.js';
import { inspect } from '../store-access.js';
import type { BreakerSnapshot } from '../../resilience/circuit-breaker.js';
import { formatRelative } from '../../config/units.js';
import { judge, type Check, type Finding } from '../check.js';
import { withSessionStore } from '../with-session-store.js';

/**
 * Breakers persisted as open or half-open, and the failures they counted. Through `serve` they
 * are the owner's: its live breakers and those other processes persisted (its `stats`).
 */
export const breakersCheck: Check = {
  id: 'breakers',
  title: "circuit breakers persisted by any process (the owner's, through serve)",
  run(ctx) {
    return withSessionStore(ctx, 2, async (store) => {
      const via = store.describe().via;
      const snapshots =
        via === undefined
          ? await inspect(store, 'doctor.breakers', readBreakerSnapshots)
          : (await store.stats()).breakers;
      const now = ctx.now();
      const findings = snapshots.flatMap((b): Finding[] => {
        switch (b.state) {
          case 'closed':
            return [];
          case 'open':
            return [
              {
                status: 'warn',
                detail: `breaker ${b.name} is OPEN after ${b.failures} consecutive failures since ${b.openedAt ?? '?'} (${formatRelative(b.openedAt ?? '', now)}); ${trial(b.halfOpenAt, now)}`,
                fix: 'The store kept failing: find the cause in the errors commands printed before it opened; the breaker closes after a successful trial call.',
              },
            ];
          case 'half-open':
            return [
              {
                status: 'warn',
                detail: `breaker ${b.name} was half-open (a trial call running) when last recorded, opened ${formatRelative(b.openedAt ?? '', now)}`,
                fix: 'Run any command against the store: a successful call closes the breaker.',
              },
            ];
        }
      });
      const facts =
        snapshots.length === 0
          ? 'no breaker state recorded'
          : `${snapshots.map((b) => describe(b)).join(', ')}${via === undefined ? '' : ` in ${via}`}`;
      return judge(facts, findings, { breakers: snapshots });
    });
  },
};

function trial(halfOpenAt: string | null, now: number): string {
  if (halfOpenAt === null) return 'it waits for a trial call';
  return new Date(halfOpenAt).getTime() > now
    ? `it lets a trial call through at ${halfOpenAt} (${formatRelative(halfOpenAt, now)})`
    : `its trial call is due since ${halfOpenAt} (${formatRelative(halfOpenAt, now)}): the next call tries the store`;
}

function describe(b: BreakerSnapshot): string {
  return `${b.name} ${b.state} (${b.failures} consecutive failures recorded)`;
}
