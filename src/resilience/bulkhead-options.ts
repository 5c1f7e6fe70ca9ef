// The options and figures of the Bulkhead (bulkhead.ts), apart from its machinery.
import type { LatencySummary } from './latency-stats.js';

/** Which queue an operation waits in: reads never wait behind writes. */
export type OperationKind = 'read' | 'write';

/** A queue of the bulkhead: one per {@link OperationKind}, plus one for exclusive sections. */
export type BulkheadLane = OperationKind | 'exclusive';

/** Options for {@link Bulkhead}; the same names as the `queue` section of the configuration. */
export interface BulkheadOptions {
  /** Reads running at once. @default 10 */
  readonly readConcurrency?: number;
  /** Writes running at once. @default 5 */
  readonly writeConcurrency?: number;
  /**
   * Opt-in fast rejection by count: calls allowed to wait in each queue (0: none), one more is
   * rejected at once with E_QUEUE_FULL. Unset, the count is bound only by memory
   * ({@link maxBytes}) and every waiting call by the queue-wait timeout. @default undefined
   */
  readonly maxLength?: number | undefined;
  /**
   * Memory the waiting calls of all queues may hold: each counts {@link WAITING_CALL_BYTES} plus
   * the bytes of the data it carries (a write's values); a call that would go past it is
   * rejected at once with E_QUEUE_FULL. @default 67108864 (64 MiB)
   */
  readonly maxBytes?: number;
  /** Longest a call waits for a slot before it is rejected. @default 2000 */
  readonly waitTimeoutMs?: number;
  /**
   * Let the event loop turn (timers, sockets) before starting a call when the last turn is this
   * old; `Infinity` never does (deterministic tests). @default 10
   */
  readonly loopTurnEveryMs?: number;
}

/**
 * What one waiting call is counted as holding besides its data: its promise, closures, record and
 * the caller's awaits (measured: about 3 KiB of live heap per waiting get or small set).
 */
export const WAITING_CALL_BYTES = 4096;

/** The memory bound of the queues by default. */
export const DEFAULT_QUEUE_MAX_BYTES = 64 * 1024 * 1024;

/** Calls waiting and running in one lane. */
export interface LaneStats {
  readonly pending: number;
  readonly active: number;
}

/** Figures of a {@link Bulkhead} since it was made. */
export interface QueueStats {
  /** Calls waiting for a slot now. */
  readonly pending: number;
  /** The most calls that waited at once since the queue was made. */
  readonly peakPending: number;
  /** Memory counted for the calls waiting now (see {@link BulkheadOptions.maxBytes}). */
  readonly queuedBytes: number;
  /** How long the call at the head of the queue (the next to start) has waited, in ms; 0 with none. */
  readonly headWaitMs: number;
  /** Calls running now. */
  readonly active: number;
  /** Calls that ran and resolved. */
  readonly completed: number;
  /** Calls that ran and rejected. */
  readonly failed: number;
  /** Calls turned away without running: queue full, queue-wait timeout, deadline, or closing. */
  readonly rejected: number;
  /** Time from arrival to start, in milliseconds. */
  readonly waitMs: LatencySummary;
  /** Time from start to settling, in milliseconds. */
  readonly execMs: LatencySummary;
  readonly byKind: Readonly<Record<BulkheadLane, LaneStats>>;
}
