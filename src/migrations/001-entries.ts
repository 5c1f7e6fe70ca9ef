import type { Migration } from './migration.js';

/** The entries table: one row per key, size computed by the store, JSON value indexed for `--where`. */
export const entries: Migration = {
  version: 1,
  name: 'entries',
  up: `
CREATE TABLE pgcache_entries (
  key          text        PRIMARY KEY,
  kind         text        NOT NULL CHECK (kind IN ('component', 'block', 'generic')),
  namespace    text,
  framework    text,
  category     text,
  value        jsonb       NOT NULL,
  size_bytes   integer     NOT NULL CHECK (size_bytes >= 0),
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,
  accessed_at  timestamptz NOT NULL,
  access_count bigint      NOT NULL DEFAULT 0,
  expires_at   timestamptz
);
CREATE INDEX pgcache_entries_expires_at ON pgcache_entries (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX pgcache_entries_accessed_at ON pgcache_entries (accessed_at);
CREATE INDEX pgcache_entries_kind ON pgcache_entries (kind, framework, category);
CREATE INDEX pgcache_entries_namespace ON pgcache_entries (namespace);
CREATE INDEX pgcache_entries_value ON pgcache_entries USING gin (value jsonb_path_ops);
`,
  down: `DROP TABLE pgcache_entries;`,
};
