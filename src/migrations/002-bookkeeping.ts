import type { Migration } from './migration.js';

/**
 * The store's own records: named JSON documents (last maintenance, last stress run, breaker
 * states) and persisted counters (hits, misses).
 */
export const bookkeeping: Migration = {
  version: 2,
  name: 'bookkeeping',
  up: `
CREATE TABLE pgcache_meta (
  key        text        PRIMARY KEY,
  value      jsonb       NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE TABLE pgcache_counters (
  name  text   PRIMARY KEY,
  value bigint NOT NULL DEFAULT 0 CHECK (value >= 0)
);
`,
  down: `DROP TABLE pgcache_counters;
DROP TABLE pgcache_meta;`,
};
