import type { EntryKind } from './keys.js';

/** Everything the store knows about one entry, without its value. */
export interface EntrySummary {
  readonly key: string;
  readonly kind: EntryKind;
  readonly namespace: string | null;
  readonly framework: string | null;
  readonly category: string | null;
  /** UTF-8 length of the entry's compact JSON, computed by the store. */
  readonly sizeBytes: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly accessedAt: Date;
  readonly accessCount: number;
  /** When it stops being served; `null` for never. */
  readonly expiresAt: Date | null;
}

/** One entry with its JSON value. */
export interface Entry extends EntrySummary {
  readonly value: unknown;
}

/** One item of a batch write. */
export interface EntryInput {
  readonly key: string;
  readonly value: unknown;
  /** Time to live in ms; `0` never expires; absent uses the store's default TTL. */
  readonly ttlMs?: number | undefined;
}
