import type { Reclaim } from '../report.js';
import type { DatabaseInfo } from '../../db/database.js';
import type { NamespacePolicies } from '../../namespaces/namespace-policy.js';
import type { LatencySummary } from '../../resilience/latency-stats.js';
import type { FaultInjector } from './fault-injector.js';
import type { ScenarioRecorder } from './recorder.js';
import type {
  LoadProcesses,
  RemoteDriveDeps,
  RemoteDriveResult,
  RemoteLoadRequest,
} from './remote-load.js';
import type { SourceNeed } from './source-needs.js';

/**
 * Settings a scenario may give its store instead of the configured ones (a small queue to
 * overrun, one attempt and a short half-open delay for the breaker), and scripted faults.
 */
export interface StoreTuning {
  readonly queue?: {
    readonly readConcurrency?: number;
    readonly writeConcurrency?: number;
    readonly maxLength?: number;
    readonly waitTimeoutMs?: number;
  };
  readonly retry?: { readonly attempts?: number };
  readonly breaker?: { readonly threshold?: number; readonly halfOpenAfterMs?: number };
  /** Fail statements on demand (in-process only). */
  readonly faults?: boolean;
  /** Namespace quotas the store enforces, on top of the configured ones (by name). @default none */
  readonly namespaces?: NamespacePolicies;
}

/** Resilience figures of the store behind a client, since it was opened. */
export interface ClientFigures {
  /** Time calls waited for a queue slot, in ms. */
  readonly queueWaitMs: LatencySummary;
  /** Operations retried after a transient failure. */
  readonly retried: number;
  /** Replacements of a crashed or hung embedded instance. */
  readonly restarts: number;
  /** The breaker's state now. */
  readonly breaker: 'closed' | 'open' | 'half-open';
}

/** Counters a source keeps over the whole run (the runner takes differences per scenario). */
export interface SourceCounters {
  readonly retried: number;
  readonly restarts: number;
}

/** The sum of two {@link SourceCounters}. */
export function addCounters(a: SourceCounters, b: SourceCounters): SourceCounters {
  return { retried: a.retried + b.retried, restarts: a.restarts + b.restarts };
}

/** No retries, no restarts. */
export const NO_COUNTERS: SourceCounters = { retried: 0, restarts: 0 };

/** What the end of a run did: the keys it deleted, and how it reclaimed their space. */
export interface FinishReport {
  readonly deletedKeys: number;
  readonly reclaim: Reclaim;
}

/** What a scenario drives: the store, reached from this process. */
export interface StressClient {
  /** Read `key`; resolves to whether it was found. */
  read(key: string): Promise<boolean>;
  /** Write `value` under `key` (the key is deleted when the run ends unless kept). */
  write(key: string, value: unknown): Promise<void>;
  /** Write every item in one transaction (used to fill the key space before measuring). */
  writeMany(items: readonly { key: string; value: unknown }[]): Promise<void>;
  /** Resilience figures of the store behind this client. */
  figures(): Promise<ClientFigures>;
  /** Scripted faults, when the client was opened with `faults: true`. */
  readonly faults: FaultInjector | undefined;
}

/**
 * Where the load comes from: this process, N child processes (through `pgcache serve`, or
 * straight to a PostgreSQL server), or HTTP requests to `pgcache serve` (autocannon).
 */
export type LoadSourceKind = 'in-process' | 'processes' | 'http';

/**
 * A source of clients for the scenarios. At most one store is open at a time: asking for a
 * client with other tuning closes the current one first (one owner per data directory).
 */
export interface LoadSource {
  readonly kind: LoadSourceKind;
  /** How messages name the load: `in-process`, `--processes 4`, `--http`. */
  readonly label: string;
  /** A client on the configured store, with `tuning` applied (none: the shared default client). */
  client(tuning?: StoreTuning): Promise<StressClient>;
  /** Close whatever store is open (before a leak check, or a copy of the data directory). */
  release(): Promise<void>;
  /** What the store runs on. */
  describe(): DatabaseInfo | undefined;
  /** Retries and instance restarts of every store this source opened, summed over the run. */
  counters(): Promise<SourceCounters>;
  /**
   * End of the run: delete every key the run wrote (unless `keep`), record `lastRun` as the
   * store's last stress run, reclaim the space the run used, and close everything.
   */
  finish(lastRun: Record<string, unknown>, options: { keep: boolean }): Promise<FinishReport>;
  /** Why a scenario that has `need` cannot run from this source; undefined when it can. */
  unsupported(need: SourceNeed): string | undefined;
  /**
   * Run a workload's load outside this process (child processes, HTTP) into `recorder`; absent
   * when the load runs here, through {@link client}.
   */
  drive?(
    request: RemoteLoadRequest,
    recorder: ScenarioRecorder,
    deps: RemoteDriveDeps,
  ): Promise<RemoteDriveResult>;
  /** The processes the load goes through (`serve`, workers); absent in-process. */
  processes?(): LoadProcesses;
}
