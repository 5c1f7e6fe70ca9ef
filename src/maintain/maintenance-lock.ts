import { sleep, type Clock } from '../clock.js';
import { MaintenanceRunningError } from '../errors/index.js';
import type { Deadline } from '../resilience/deadline.js';

/**
 * Advisory lock key ("pgcm") that serialises `maintain` runs on a PostgreSQL server; the second
 * key is the schema's hash, so stores in different schemas do not wait for each other.
 */
export const MAINTAIN_LOCK_KEY = 0x7067_636d;

/** Gives the lock back; never rejects. */
export type ReleaseLock = () => Promise<void>;

/**
 * Take the maintenance lock with `tryLock`, trying again every `pollMs` while another run holds
 * it, until `deadline`: runs queue up one after another instead of overlapping (two evictions at
 * once would both evict down to the low-water mark, twice as much as needed).
 */
export async function waitForMaintenanceLock(
  tryLock: () => Promise<ReleaseLock | undefined>,
  deps: {
    readonly clock: Clock;
    readonly deadline: Deadline;
    readonly pollMs?: number;
    /** Try once: do not wait for a run in progress. */
    readonly once?: boolean;
  },
): Promise<ReleaseLock> {
  const pollMs = deps.pollMs ?? 200;
  for (;;) {
    const release = await tryLock();
    if (release !== undefined) return release;
    if (deps.once === true || deps.deadline.remaining() <= pollMs) {
      throw new MaintenanceRunningError(
        'another `pgcache maintain` is running on this server and did not finish in time',
        { hint: 'Let it finish, or give this run a longer --timeout to wait for it.' },
      );
    }
    await sleep(deps.clock, pollMs);
  }
}
