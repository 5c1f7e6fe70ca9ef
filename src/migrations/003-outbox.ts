import type { Migration } from './migration.js';

/**
 * The write-behind outbox: writes acknowledged to the caller and not yet sent to the origin. A
 * row is inserted in the same transaction as the entry it belongs to and deleted only after the
 * origin accepted it, so a process that dies in between loses nothing.
 */
export const outbox: Migration = {
  version: 3,
  name: 'outbox',
  up: `
CREATE TABLE pgcache_outbox (
  id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key             text        NOT NULL,
  body            text        NOT NULL,
  enqueued_at     timestamptz NOT NULL,
  attempts        integer     NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  last_error      text
);
CREATE INDEX pgcache_outbox_due ON pgcache_outbox (next_attempt_at, key);
CREATE INDEX pgcache_outbox_key ON pgcache_outbox (key, id);
`,
  down: `DROP TABLE pgcache_outbox;`,
};
