/** Where the checks of `doctor` start to warn or fail. */
export interface DoctorThresholds {
  /** Opening the store slower than this is a warning. @default 5000 */
  readonly openWarnMs: number;
  /** Opening the store slower than this fails; the open is abandoned. @default 15000 */
  readonly openBudgetMs: number;
  /** Free disk space below this is a warning. @default 1 GiB */
  readonly lowDiskBytes: number;
  /** Free disk space below this fails. @default 100 MiB */
  readonly criticalDiskBytes: number;
  /** Expired entries waiting to be purged above this are a warning. @default 1000 */
  readonly expiredEntries: number;
  /** Dead rows above this (and above a fifth of the live rows) are a warning. @default 10000 */
  readonly deadRows: number;
  /** Write-ahead log on disk above this is a warning (twice `max_wal_size`). @default 128 MiB */
  readonly walBytes: number;
  /** A last maintenance longer ago than this is a warning. @default 1 day */
  readonly maintenanceAgeMs: number;
  /** An entry created further ahead of now than this has a future creation time. @default 5 min */
  readonly clockSkewMs: number;
  /** Entries whose size is recounted, first by key. @default 10000 */
  readonly recountEntries: number;
  /** Open/close cycles of the lifecycle probe. @default 3 */
  readonly probeCycles: number;
  /** Memory growth across the probe's cycles above this is a warning. @default 64 MiB */
  readonly memoryGrowthBytes: number;
  /** This tool's server sessions, and `serve`'s wire clients, idle longer than this warn. @default 10 min */
  readonly idleSessionMs: number;
  /** This tool's server sessions idle in a transaction longer than this fail. @default 1 min */
  readonly idleInTransactionMs: number;
  /**
   * A wire client of `serve` idle inside a transaction longer than this fails: every other
   * client and the store wait for it (`serve` itself ends it after its idle-transaction timeout,
   * 2 s by default). @default 1000
   */
  readonly wireIdleInTransactionMs: number;
}

/** The thresholds `doctor` uses unless told otherwise. */
export const DEFAULT_THRESHOLDS: DoctorThresholds = {
  openWarnMs: 5000,
  openBudgetMs: 15_000,
  lowDiskBytes: 1024 ** 3,
  criticalDiskBytes: 100 * 1024 ** 2,
  expiredEntries: 1000,
  deadRows: 10_000,
  walBytes: 128 * 1024 ** 2,
  maintenanceAgeMs: 86_400_000,
  clockSkewMs: 300_000,
  recountEntries: 10_000,
  probeCycles: 3,
  memoryGrowthBytes: 64 * 1024 ** 2,
  idleSessionMs: 600_000,
  idleInTransactionMs: 60_000,
  wireIdleInTransactionMs: 1000,
};
