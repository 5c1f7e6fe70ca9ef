import { VERSION } from '../version.js';
import type { LiveFigures, OwnerProcess } from './live-figures.js';

/**
 * The process that owns the store, as `stats` shows it (redis `INFO`'s server and memory
 * sections): who, which build, since when it owns the store, and its memory now.
 */
export interface OwnerReport extends Omit<OwnerProcess, 'startedAt'> {
  /** This pgcache's version. */
  readonly version: string;
  /** When it opened the store. */
  readonly startedAt: string;
  readonly uptimeMs: number;
}

/** The kinds of store calls `stats` counts (`other`: bookkeeping, figures and maintenance). */
export const OPERATION_GROUPS = ['get', 'set', 'del', 'list', 'other'] as const;

/** One of {@link OPERATION_GROUPS}. */
export type OperationGroup = (typeof OPERATION_GROUPS)[number];

/**
 * The store calls the owner started since it opened the store (every caller's: the app or
 * `serve` itself, commands through its control socket). Reads answered from memory (L1) make no
 * store call: they are the `l1` tier's hits.
 */
export interface OperationsReport {
  readonly total: number;
  /** `total` over the owner's uptime. */
  readonly perSecond: number;
  readonly byName: Readonly<Record<OperationGroup, number>>;
}

// The store's call names, by the operation they belong to; every other name is `other`.
const GROUP_OF: Readonly<Record<string, OperationGroup>> = {
  get: 'get',
  'get-many': 'get',
  set: 'set',
  'set-many': 'set',
  delete: 'del',
  'delete-prefix': 'del',
  list: 'list',
  scan: 'list',
};

/** The owner's process as `stats` reports it, at `now`. */
export function ownerReport(live: LiveFigures, now: number): OwnerReport {
  const p = live.process();
  return {
    pid: p.pid,
    name: p.name,
    version: VERSION,
    node: p.node,
    platform: p.platform,
    startedAt: new Date(p.startedAt).toISOString(),
    uptimeMs: Math.max(0, now - p.startedAt),
    memory: p.memory,
  };
}

/** The owner's store calls since it opened the store, by operation, and per second. */
export function operationsReport(live: LiveFigures, uptimeMs: number): OperationsReport {
  const byName: Record<OperationGroup, number> = { get: 0, set: 0, del: 0, list: 0, other: 0 };
  let total = 0;
  for (const [name, n] of live.calls()) {
    byName[GROUP_OF[name] ?? 'other'] += n;
    total += n;
  }
  const perSecond = uptimeMs > 0 ? Math.round((total / uptimeMs) * 100_000) / 100 : 0;
  return { total, perSecond, byName };
}
