import { breakersProbe } from '../../operations/doctor-probes.js';
import type { BreakerSnapshot } from '../../resilience/circuit-breaker.js';
import { formatRelative } from '../../config/units.js';
import { judge, type Check, type Finding } from '../check.js';
import { throughOwner, withSessionStore } from '../with-session-store.js';

/**
 * Breakers open or half-open, and the failures they counted: the live ones of whoever owns the
 * store (this doctor, or the owner it goes through) and those other processes persisted.
 */
export const breakersCheck: Check = {
  id: 'breakers',
  title: "circuit breakers: the owner's, and those any process persisted",
  run(ctx) {
    return withSessionStore(ctx, 2, async () => {
      const snapshots = (await ctx.probe(breakersProbe, {})).breakers;
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
          : `${snapshots.map((b) => describe(b)).join(', ')}${await throughOwner(ctx)}`;
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
