import type { EntryKind } from './keys.js';

/** What a read returns: the value, and what a reader needs to use it (its size and expiry). */
export interface Entry {
  readonly key: string;
  readonly kind: EntryKind;
  readonly namespace: string | null;
  readonly framework: string | null;
  readonly value: unknown;
  /** UTF-8 length of the entry's compact JSON, computed by the store. */
  readonly sizeBytes: number;
  /** When it stops being served; `null` for never. */
  readonly expiresAt: Date | null;
}

/** What a write returns: the entry as written (all of it known before the write). */
export interface WrittenEntry {
  readonly key: string;
  readonly kind: EntryKind;
  readonly namespace: string | null;
  readonly framework: string | null;
  readonly category: string | null;
  /** UTF-8 length of the entry's compact JSON, computed by the store. */
  readonly sizeBytes: number;
  readonly updatedAt: Date;
  /** When it stops being served; `null` for never. */
  readonly expiresAt: Date | null;
}

/** Everything the store knows about one entry, without its value (what `list` shows). */
export interface EntrySummary extends WrittenEntry {
  readonly createdAt: Date;
  readonly accessedAt: Date;
  readonly accessCount: number;
}

/** One item of a batch write. */
export interface EntryInput {
  readonly key: string;
  readonly value: unknown;
  /** Time to live in ms; `0` never expires; absent uses the store's default TTL. */
  readonly ttlMs?: number | undefined;
}
