import { createHash } from 'node:crypto';

/** One versioned schema change with its way back. */
export interface Migration {
  /** Position in the order, starting at 1, without gaps. */
  readonly version: number;
  /** Short kebab-case name, shown by `migrate status`. */
  readonly name: string;
  /** SQL that applies the change (PGlite and PostgreSQL 15 both accept it). */
  readonly up: string;
  /** SQL that undoes `up`. */
  readonly down: string;
}

/** SHA-256 of a migration's SQL (both directions), hex. */
export function migrationChecksum(migration: Migration): string {
  return createHash('sha256')
    .update(migration.up)
    .update('\n-- down --\n')
    .update(migration.down)
    .digest('hex');
}
