import type {
  ConnectionStats,
  DatabaseInfo,
  ServerSessionStats,
  WireStats,
} from '../db/database.js';
import { readNamespaceReport, type NamespaceReport } from '../namespaces/namespace-report.js';
import type { QueueStats } from '../resilience/bulkhead-options.js';
import type { BreakerSnapshot } from '../resilience/circuit-breaker.js';
import type { SupervisorStats } from '../resilience/instance-supervisor.js';
import type { RetryStats } from '../resilience/retry.js';
import type { EntryKind } from '../store/keys.js';
import {
  mergeBreakers,
  readLiveStoreFigures,
  readStoredFigures,
  usedPercent,
  type LastRun,
  type LiveStoreFigures,
  type RemovedEntries,
  type StoredFigures,
} from '../store/stats.js';
import { readTierStats, type TierStats } from '../tiers/tier-stats.js';
import { InputReader } from './input.js';
import {
  describeHolder,
  type ControlClientStats,
  type ControlStats,
  type SessionHolder,
} from './live-figures.js';
import type { Operation, OperationContext } from './operation.js';
import {
  operationsReport,
  ownerReport,
  type OperationsReport,
  type OwnerReport,
} from './owner-figures.js';
import { whileSessionFree } from './session-watch.js';

/** What `stats` asks for. */
export interface StatsInput {
  /** Report this namespace against its quota (else the namespaces with a policy). */
  readonly namespace?: string | undefined;
}

/** Why the figures that need the database are missing. */
export interface Unavailable {
  /** `session held by client 3 (psql, 127.0.0.1), idle in transaction for 2.1s: BEGIN`. */
  readonly reason: string;
  readonly holder: SessionHolder;
}

/**
 * Everything `stats` shows: the `stats --json` document, `GET /v1/stats`, and what `/metrics`
 * renders. The figures that need the database are null when a wire client holds the session
 * (`unavailable` says who): the rest comes from the owner's memory and always answers.
 */
export interface StatsReport {
  readonly backend: DatabaseInfo;
  /** The process that owns the store: pid, build, uptime, memory. */
  readonly owner: OwnerReport;
  /** The owner's store calls since it opened the store. */
  readonly operations: OperationsReport;
  readonly entries: { readonly total: number; readonly byKind: Record<EntryKind, number> } | null;
  readonly bytes: {
    readonly total: number | null;
    readonly byKind: Record<EntryKind, number> | null;
    readonly max: number;
    readonly usedPercent: number | null;
    readonly onDisk: number;
    readonly wal: number | null;
  };
  /** Entries past their expiry and not purged yet (a gauge). */
  readonly expired: number | null;
  readonly expiredBytes: number | null;
  /** Entries removed since the store was created: expired ones purged, others evicted. */
  readonly removed: RemovedEntries | null;
  /** Store lookups (L2) that found a live entry, every process's (the tiers' are in `tiers`). */
  readonly hits: number | null;
  /** Store lookups (L2) that found nothing live. */
  readonly misses: number | null;
  /**
   * The owner's connections: its database handle(s), `handles` open in its process, `sessions`
   * on a PostgreSQL server, `wire` clients of `serve`, the `holder` of the session (null when
   * free), and the requests on its `control` socket (the inspecting command's marked `self`).
   */
  readonly connections: ConnectionStats & {
    readonly handles: number;
    readonly sessions?: ServerSessionStats;
    readonly wire?: WireStats;
    readonly holder?: SessionHolder | null;
    readonly control?: ControlStats;
  };
  readonly schema: {
    readonly version: number;
    readonly latest: number;
    readonly pending: number;
  } | null;
  readonly lastMaintenance: LastRun | null;
  readonly lastStress: LastRun | null;
  readonly queue: QueueStats;
  /** The owner's live breakers, and (when the database answers) the ones others persisted. */
  readonly breakers: readonly BreakerSnapshot[];
  readonly retries: RetryStats;
  readonly instance?: SupervisorStats;
  readonly tiers: TierStats['tiers'] | null;
  readonly origin: TierStats['origin'] | null;
  readonly outbox: TierStats['outbox'] | null;
  readonly namespaces: readonly NamespaceReport[] | null;
  /** Present when the figures that need the database could not be read. */
  readonly unavailable?: Unavailable;
}

interface DatabaseFigures {
  readonly stored: StoredFigures;
  readonly tiers: TierStats;
  readonly namespaces: NamespaceReport[];
}

/** Gather the `stats` report on the owner. */
export async function readStats(ctx: OperationContext, input: StatsInput): Promise<StatsReport> {
  const figures = await whileSessionFree(ctx, () => readDatabaseFigures(ctx, input));
  const own = await readLiveStoreFigures({
    database: ctx.database,
    runner: () => ctx.store.runnerStats(),
  });
  const db = 'held' in figures ? undefined : figures;
  const stored = db?.stored;
  const owner = ownerReport(ctx.live, ctx.clock.now());
  return {
    backend: own.backend,
    owner,
    operations: operationsReport(ctx.live, owner.uptimeMs),
    ...sizes(stored, own, ctx.config.maxSizeBytes),
    connections: connections(ctx, own, stored),
    schema: stored?.schema ?? null,
    lastMaintenance: stored?.lastMaintenance ?? null,
    lastStress: stored?.lastStress ?? null,
    queue: own.queue,
    breakers: mergeBreakers(own.breakers, stored?.breakers ?? []),
    retries: own.retries,
    ...(own.instance === undefined ? {} : { instance: own.instance }),
    tiers: db?.tiers.tiers ?? null,
    origin: db?.tiers.origin ?? null,
    outbox: db?.tiers.outbox ?? null,
    namespaces: db?.namespaces ?? null,
    ...('held' in figures
      ? {
          unavailable: {
            reason: `session held by ${describeHolder(figures.held)}`,
            holder: figures.held,
          },
        }
      : {}),
  };
}

// Entries and bytes by kind, the expired backlog, hits and misses (null when not read); the
// max size and the disk figures, which need no statement.
function sizes(
  stored: StoredFigures | undefined,
  own: LiveStoreFigures,
  max: number,
): Pick<
  StatsReport,
  'entries' | 'bytes' | 'expired' | 'expiredBytes' | 'removed' | 'hits' | 'misses'
> {
  return {
    entries: stored?.entries ?? null,
    bytes: {
      total: stored?.bytes.total ?? null,
      byKind: stored?.bytes.byKind ?? null,
      max,
      usedPercent: stored === undefined ? null : usedPercent(stored.bytes.total, max),
      onDisk: own.onDisk,
      wal: own.wal,
    },
    expired: stored?.expired ?? null,
    expiredBytes: stored?.expiredBytes ?? null,
    removed: stored?.removed ?? null,
    hits: stored?.hits ?? null,
    misses: stored?.misses ?? null,
  };
}

// The owner's connections: its handles, the server's sessions, serve's wire clients and the
// session's holder, and the control socket's requests (the one asking marked `self`).
function connections(
  ctx: OperationContext,
  own: LiveStoreFigures,
  stored: StoredFigures | undefined,
): StatsReport['connections'] {
  const wire = ctx.live.wire();
  const control = ctx.live.control();
  const mark = (c: ControlClientStats): ControlClientStats =>
    c.id === ctx.requestId ? { ...c, self: true } : c;
  return {
    ...own.connections,
    ...(stored?.sessions === undefined ? {} : { sessions: stored.sessions }),
    ...(wire === undefined ? {} : { wire, holder: ctx.live.holder() ?? null }),
    ...(control === undefined
      ? {}
      : { control: { ...control, clients: control.clients.map(mark) } }),
  };
}

async function readDatabaseFigures(
  ctx: OperationContext,
  input: StatsInput,
): Promise<DatabaseFigures> {
  const { store, deadline } = ctx;
  // Best effort: with the breaker open the write fails, and stats must still answer.
  await store.flush({ deadline }).catch(() => undefined);
  const now = new Date(ctx.clock.now());
  const stored = await readStoredFigures({
    read: (name, fn) => store.execute('read', name, fn, { deadline, bypassBreaker: true }),
    database: ctx.database,
    now,
  });
  const tiers = await (ctx.live.tierStats ?? ((o) => readTierStats(store, o)))({ deadline });
  const namespaces = await readNamespaceReport(store, ctx.config.namespaces, now, input.namespace, {
    deadline,
  });
  return { stored, tiers, namespaces };
}

/** `stats`: sizes, hits and misses, connections, queue, breakers, tiers, namespaces. */
export const statsOperation: Operation<StatsInput, StatsReport> = {
  name: 'stats',
  parseInput(raw) {
    return { namespace: new InputReader('stats', raw).optionalString('namespace') };
  },
  run: readStats,
};
