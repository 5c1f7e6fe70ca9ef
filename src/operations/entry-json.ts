import type { EntrySummary, WrittenEntry } from '../store/entry.js';
import type { EntryKind } from '../store/keys.js';

/** An entry summary as documents carry it (times as ISO strings). */
export interface EntryJson {
  readonly key: string;
  readonly kind: EntryKind;
  readonly namespace: string | null;
  readonly framework: string | null;
  readonly category: string | null;
  readonly sizeBytes: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly accessedAt: string;
  readonly accessCount: number;
  readonly expiresAt: string | null;
}

/** One entry summary in a document. */
export function entryJson(e: EntrySummary): EntryJson {
  return {
    key: e.key,
    kind: e.kind,
    namespace: e.namespace,
    framework: e.framework,
    category: e.category,
    sizeBytes: e.sizeBytes,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
    accessedAt: e.accessedAt.toISOString(),
    accessCount: e.accessCount,
    expiresAt: e.expiresAt?.toISOString() ?? null,
  };
}

/** A written entry as documents carry it: what the write knew (times as ISO strings). */
export interface WrittenJson {
  readonly key: string;
  readonly kind: EntryKind;
  readonly namespace: string | null;
  readonly framework: string | null;
  readonly category: string | null;
  readonly sizeBytes: number;
  readonly updatedAt: string;
  readonly expiresAt: string | null;
}

/** One written entry in a document. */
export function writtenJson(e: WrittenEntry): WrittenJson {
  return {
    key: e.key,
    kind: e.kind,
    namespace: e.namespace,
    framework: e.framework,
    category: e.category,
    sizeBytes: e.sizeBytes,
    updatedAt: e.updatedAt.toISOString(),
    expiresAt: e.expiresAt?.toISOString() ?? null,
  };
}
