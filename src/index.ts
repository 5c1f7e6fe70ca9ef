/**
 * pgcache as a library: the same store the CLI drives.
 *
 * ```ts
 * import { openStore } from 'pgcache';
 * const store = await openStore({ dataDir: './.pgcache' });
 * try {
 *   await store.set('component:react:button', { code: '…' }, { ttlMs: 60_000 });
 *   const entry = await store.get('component:react:button');
 * } finally {
 *   await store.close();
 * }
 * ```
 */
export { openStore, type OpenStoreOptions, type MigrationPolicy } from './store/open-store.js';
export type { Store } from './store/store.js';
export type {
  StoreOptions,
  SetOptions,
  GetOptions,
  CallOptions,
  StoreMaintainOptions,
} from './store/store-options.js';
export type { Entry, EntrySummary, EntryInput, WrittenEntry } from './store/entry.js';
export type { EntryKind, ParsedKey } from './store/keys.js';
export { parseKey } from './store/keys.js';
export type { ListFilter, WhereCondition } from './store/list-query.js';
export type { StoreStats } from './store/stats.js';
export type { MaintainReport } from './maintain/maintain.js';
export { Deadline } from './resilience/deadline.js';
export { systemClock, ManualClock, type Clock } from './clock.js';
export { openHandleCount, listOpenHandles, type OpenHandle } from './db/handle-registry.js';
export * from './errors/index.js';
export { VERSION } from './version.js';
export {
  runStress,
  InProcessSource,
  loadProfile,
  parseTargets,
  SCENARIOS,
  type StressOptions,
  type StressDeps,
  type StressReport,
  type ScenarioReport,
  type StressEvent,
  type TargetSet,
  type LoadSource,
} from './stress/index.js';
export {
  startServe,
  type ServeOptions,
  type ServeHandle,
  type ServeEndpoints,
} from './serve/serve.js';
export type { WireStats, WireClientStats, ServerSessionStats } from './db/database.js';
export type { StoreHealth } from './store/health.js';
export type { StatsReport } from './operations/stats-report.js';
export type { HealthReport } from './operations/health.js';
export type { SessionHolder, ControlStats } from './operations/live-figures.js';
export {
  openTieredCache,
  TieredCache,
  STRATEGY_NAMES,
  type OpenTieredCacheOptions,
  type TieredCacheOptions,
  type TieredGetOptions,
  type TieredRead,
  type StrategyName,
  type Tier,
  type TierStats,
  type OutboxFlushReport,
} from './tiers/index.js';
export {
  NamespaceRateLimiter,
  TokenBucket,
  retryAfterSeconds,
  scopeKey,
  type NamespacePolicy,
  type NamespacePolicies,
  type RateDecision,
} from './namespaces/index.js';
export type { IdleServerSession } from './db/database.js';
export type { ServeStats, ServeTiersOptions } from './serve/serve.js';
