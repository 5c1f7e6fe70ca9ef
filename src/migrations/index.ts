import { entries } from './001-entries.js';
import { bookkeeping } from './002-bookkeeping.js';
import { outbox } from './003-outbox.js';
import { hotEntries } from './004-hot-entries.js';
import type { Migration } from './migration.js';

/** Every migration pgcache ships, in order. Append only; never edit an applied one. */
export const MIGRATIONS: readonly Migration[] = [entries, bookkeeping, outbox, hotEntries];

export { migrationChecksum, type Migration } from './migration.js';
export * from './migrator.js';
