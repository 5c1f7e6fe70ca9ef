import { deleteWithAccess } from '../store/entry-queries.js';
import { REMOVED_COUNTERS, type RemovedEntries } from '../store/stats.js';

/**
 * {@link deleteWithAccess} that also adds the rows it removes to the persisted counter of `what`
 * (`stats`' removed entries), in the same statement: a crash between the two can neither lose a
 * count nor count a row that was not removed. Answers the DELETE's rows.
 */
export function countedRemoval(
  where: string,
  returning: string,
  what: keyof RemovedEntries,
): string {
  return deleteWithAccess(
    where,
    returning,
    `counted AS (
    INSERT INTO pgcache_counters (name, value)
    SELECT '${REMOVED_COUNTERS[what]}', count(*) FROM gone HAVING count(*) > 0
    ON CONFLICT (name) DO UPDATE SET value = pgcache_counters.value + EXCLUDED.value)`,
  );
}
