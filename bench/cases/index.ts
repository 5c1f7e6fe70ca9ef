// The case registry: every implementation the workload runs, in table order. Adding one is a
// file in this folder and a line here; a case that cannot run yet stays listed and says why.
import type { BenchCase } from '../case.js';
import { betterSqliteCase } from './better-sqlite3.js';
import { keyvCase } from './keyv.js';
import { mapCase } from './map.js';
import { pgcacheL1Case } from './pgcache-l1.js';
import { pgcacheStoreCase, pgcacheStoreThreadCase } from './pgcache-store.js';
import { pgliteChannelCase } from './pglite-channel.js';
import { pglitePreparedCase } from './pglite-prepared.js';

/** Every workload case, in the order the table shows them. */
export const CASES: readonly BenchCase[] = [
  pgcacheStoreCase,
  pgcacheStoreThreadCase,
  pgcacheL1Case,
  keyvCase,
  pglitePreparedCase,
  pgliteChannelCase,
  betterSqliteCase,
  mapCase,
];
