import { formatDuration } from '../config/units.js';
import type { WireStats } from '../db/database.js';
import type { TierStats } from '../tiers/tier-stats.js';
import type { CallOptions } from '../store/store-options.js';

/** The wire client holding the owner's one session (an open transaction or sequence). */
export interface SessionHolder {
  readonly clientId: number;
  readonly applicationName: string | null;
  readonly user: string | null;
  readonly address: string;
  /** `active` while one of its statements runs, else why it keeps the session between them. */
  readonly state:
    'active' | 'idle in transaction' | 'idle in transaction (aborted)' | 'idle in sequence';
  /** Since it took the session. */
  readonly heldMs: number;
  /** Its current (or last) statement, shortened. */
  readonly statement: string | null;
}

/** One request on the owner's control socket. */
export interface ControlClientStats {
  readonly id: number;
  readonly pid: number;
  /** What it is, e.g. `pgcache stats`. */
  readonly name: string;
  readonly operation: string;
  readonly runningMs: number;
  /** True for the request that reads these figures (the inspecting command itself). */
  readonly self?: true;
}

/** The owner's control socket: requests in flight and served. */
export interface ControlStats {
  readonly path: string;
  readonly current: number;
  readonly served: number;
  readonly clients: readonly ControlClientStats[];
}

/** A store call that has been running past the operation timeout. */
export interface StuckCall {
  readonly name: string;
  readonly runningMs: number;
}

/**
 * Figures the owner of a store keeps in memory, so that they answer while its one session is
 * held or a call hangs: `serve` adds its wire endpoint's, the control endpoint its own.
 */
export interface LiveFigures {
  /** The wire endpoint's clients (`serve` only). */
  wire(): WireStats | undefined;
  /** The wire client holding the session now, if any. */
  holder(): SessionHolder | undefined;
  /** The control socket's requests (an owned data directory only). */
  control(): ControlStats | undefined;
  /** The oldest store call running past the operation timeout, if any. */
  stuck(): StuckCall | undefined;
  /** The tiers' figures, counts of a long-lived tiered cache included (`serve`'s). */
  tierStats?: ((options: CallOptions) => Promise<TierStats>) | undefined;
}

/** A store nobody else reaches: no wire endpoint, no control socket. */
export const NO_LIVE_FIGURES: LiveFigures = {
  wire: () => undefined,
  holder: () => undefined,
  control: () => undefined,
  stuck: () => undefined,
};

/** `client 3 (psql, app@127.0.0.1), idle in transaction for 2.1s: BEGIN`. */
export function describeHolder(h: SessionHolder): string {
  const who = `${h.applicationName ?? 'no application_name'}, ${h.user ?? '?'}@${h.address}`;
  const statement = h.statement === null ? '' : `: ${h.statement}`;
  return `client ${h.clientId} (${who}), ${h.state} for ${formatDuration(h.heldMs)}${statement}`;
}
