// What a benchmark case is: one implementation of a key-value cache, opened once per run,
// seeded with the same keys, then driven by the same get/set workload as every other case.

/** The physical floor a case is compared with: a bare Map for any cache, raw PGlite for Postgres. */
export type Floor = 'map' | 'pglite';

/** The names of the two floor cases (they compare with themselves). */
export const FLOOR_CASE: Readonly<Record<Floor, string>> = {
  map: 'Map',
  pglite: 'PGlite prepared',
};

/** An open implementation: what the workload calls, then closes. */
export interface CaseDriver {
  /** What ran, when worth reporting (e.g. `better-sqlite3 12.9.0`). */
  readonly version?: string;
  /** The value under `key`, or undefined when absent. */
  get(key: string): Promise<unknown>;
  /** Store `value` under `key`, replacing any value. */
  set(key: string, value: unknown): Promise<unknown>;
  /**
   * Finish work the operations deferred (pgcache writes access times in batches), so that it
   * counts in this case's throughput instead of landing in the next case's measurement.
   */
  settle?(): Promise<void>;
  /** Release everything the case opened. */
  close(): Promise<void>;
}

/** A case that cannot run here, and why (shown in the table as `n/a: <reason>`). */
export interface Unavailable {
  readonly unavailable: string;
}

/** What the harness gives a case to open itself with. */
export interface CaseEnv {
  /** A fresh copy of a migrated pgcache data directory (cheap: no initdb). */
  dataDir(): string;
  /** A fresh empty directory for files of the case's own. */
  scratchDir(): string;
  /** Progress for stderr (installs, slow set-ups). */
  log(message: string): void;
}

/** One benchmark case: a name, what it is, its floor, and how to open (set up) its driver. */
export interface BenchCase {
  readonly name: string;
  readonly description: string;
  readonly floor: Floor;
  open(env: CaseEnv): Promise<CaseDriver | Unavailable>;
}

/** A case that cannot run yet (a feature not built, a dependency missing). */
export function unavailable(reason: string): Unavailable {
  return { unavailable: reason };
}

/** True when `opened` is a reason not to run. */
export function isUnavailable<T extends object>(opened: T | Unavailable): opened is Unavailable {
  return 'unavailable' in opened;
}
