import type { WireStats } from '../db/database.js';
import { OPERATION_GROUPS } from '../operations/owner-figures.js';
import type { StatsReport } from '../operations/stats-report.js';
import type { Host } from '../platform/host.js';
import { LATENCY_BUCKETS_MS, TIERS } from '../tiers/tier-metrics.js';
import type { TierStats } from '../tiers/tier-stats.js';
import { PrometheusText } from './prometheus-text.js';

/** Upper bounds (seconds) of the latency histogram buckets. */
export const LATENCY_BUCKETS_S = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

interface Histogram {
  readonly counts: number[];
  sum: number;
  count: number;
}

/**
 * Latency histograms per operation and request counts per operation and status, recorded by
 * the HTTP API, rendered in Prometheus text format together with the store's figures.
 */
export class ServeMetrics {
  readonly #latency = new Map<string, Histogram>();
  readonly #requests = new Map<string, number>();

  readonly #host: Pick<Host, 'processMetrics'>;

  /** `host` gives this process's standard families; asking once now starts their collectors. */
  constructor(host: Pick<Host, 'processMetrics'>) {
    this.#host = host;
    // A failure here shows when /metrics asks again; it must not end serve as a stray rejection.
    host.processMetrics().catch(() => undefined);
  }

  /** Record one operation that took `ms` and answered with HTTP `status`. */
  observe(operation: string, ms: number, status: number): void {
    let h = this.#latency.get(operation);
    if (h === undefined) {
      h = { counts: LATENCY_BUCKETS_S.map(() => 0), sum: 0, count: 0 };
      this.#latency.set(operation, h);
    }
    const seconds = ms / 1000;
    const bucket = LATENCY_BUCKETS_S.findIndex((le) => seconds <= le);
    if (bucket >= 0) h.counts[bucket] = (h.counts[bucket] ?? 0) + 1;
    h.sum += seconds;
    h.count += 1;
    const key = `${operation}\u0000${status}`;
    this.#requests.set(key, (this.#requests.get(key) ?? 0) + 1);
  }

  /**
   * Everything in Prometheus text exposition format (0.0.4): the build, the store's figures, the
   * wire endpoint's, the tiers' (counted by every process, as `stats` shows them) and the HTTP
   * API's, then this process's standard `process_*` and `nodejs_*` families. While a wire client
   * holds the session, the figures that need the database are left out and
   * `pgcache_session_held_seconds` says for how long.
   */
  async render(stats: StatsReport, nowMs: number): Promise<string> {
    const out = new PrometheusText();
    renderOwner(out, stats);
    renderSizes(out, stats);
    if (stats.expired !== null) {
      out.gauge('pgcache_expired_entries', 'Expired entries not purged yet.', stats.expired);
    }
    if (stats.removed !== null) {
      out.counter(
        'pgcache_entries_expired_total',
        'Expired entries purged (by maintain or doctor --fix) since the store was created.',
        stats.removed.expired,
      );
      out.counter(
        'pgcache_entries_evicted_total',
        'Entries evicted to make room (LRU above the max size, or a namespace over its quota) since the store was created.',
        stats.removed.evicted,
      );
    }
    if (stats.hits !== null && stats.misses !== null) {
      // Named for what they count: the store's lookups only; reads L1 answers never get there
      // (pgcache_tier_hits_total has every tier). They were pgcache_hits_total/_misses_total.
      out.counter(
        'pgcache_store_hits_total',
        'Store (L2) lookups that found a live entry, every process; reads answered from memory are in pgcache_tier_hits_total.',
        stats.hits,
      );
      out.counter(
        'pgcache_store_misses_total',
        'Store (L2) lookups that found no live entry, every process.',
        stats.misses,
      );
    }
    this.#queue(out, stats);
    out.family('pgcache_breaker_state', 'gauge', 'Circuit breakers: 1 for the current state.');
    for (const b of stats.breakers) {
      for (const state of ['closed', 'open', 'half-open'] as const) {
        out.sample('pgcache_breaker_state', { name: b.name, state }, b.state === state ? 1 : 0);
      }
    }
    if (stats.instance !== undefined) {
      out.gauge(
        'pgcache_instance_thread',
        "1 when PGlite runs in a thread of its own, 0 in the owner's thread.",
        stats.instance.thread ? 1 : 0,
      );
      out.counter(
        'pgcache_instance_restarts_total',
        'Embedded instances replaced after a crash or a hang.',
        stats.instance.restarts,
      );
    }
    if (stats.connections.wire !== undefined) this.#wire(out, stats.connections.wire);
    if (stats.connections.holder !== undefined) {
      out.gauge(
        'pgcache_session_held_seconds',
        'How long a wire client has held the session (0: free); store calls wait meanwhile.',
        (stats.connections.holder?.heldMs ?? 0) / 1000,
      );
    }
    if (stats.tiers !== null && stats.origin !== null && stats.outbox !== null) {
      renderTiers(out, { tiers: stats.tiers, origin: stats.origin, outbox: stats.outbox }, nowMs);
    }
    this.#histograms(out);
    return `${out.text()}${await this.#host.processMetrics()}`;
  }

  #queue(out: PrometheusText, stats: StatsReport): void {
    const q = stats.queue;
    out.gauge('pgcache_queue_pending', 'Store calls waiting for a queue slot.', q.pending);
    out.gauge('pgcache_queue_pending_peak', 'Most store calls that waited at once.', q.peakPending);
    out.gauge(
      'pgcache_queue_bytes',
      'Memory counted for the waiting calls (bounded by queue.maxBytes).',
      q.queuedBytes,
    );
    out.gauge(
      'pgcache_queue_head_wait_seconds',
      'How long the next call to start has waited (0: nobody waits).',
      q.headWaitMs / 1000,
    );
    out.gauge('pgcache_queue_active', 'Store calls running.', q.active);
    out.counter('pgcache_queue_completed_total', 'Store calls that succeeded.', q.completed);
    out.counter('pgcache_queue_failed_total', 'Store calls that failed.', q.failed);
    out.counter('pgcache_queue_rejected_total', 'Store calls turned away.', q.rejected);
    out.counter('pgcache_retries_total', 'Retries of transient failures.', stats.retries.retried);
  }

  #wire(out: PrometheusText, wire: WireStats): void {
    out.gauge('pgcache_wire_connections', 'Postgres wire clients connected now.', wire.current);
    out.gauge('pgcache_wire_connections_peak', 'Most wire clients at once.', wire.peak);
    out.gauge('pgcache_wire_connections_max', 'Wire clients allowed at once.', wire.max);
    out.counter('pgcache_wire_connections_accepted_total', 'Wire connections.', wire.accepted);
    out.counter('pgcache_wire_connections_refused_total', 'Refused (over max).', wire.refused);
    out.gauge('pgcache_wire_messages_waiting', 'Wire messages waiting.', wire.waiting);
  }

  #histograms(out: PrometheusText): void {
    const name = 'pgcache_operation_duration_seconds';
    out.family(name, 'histogram', 'Duration of the store operations served over HTTP.');
    for (const [operation, h] of [...this.#latency].sort(([a], [b]) => a.localeCompare(b))) {
      let cumulative = 0;
      LATENCY_BUCKETS_S.forEach((le, i) => {
        cumulative += h.counts[i] ?? 0;
        out.sample(`${name}_bucket`, { operation, le: String(le) }, cumulative);
      });
      out.sample(`${name}_bucket`, { operation, le: '+Inf' }, h.count);
      out.sample(`${name}_sum`, { operation }, h.sum);
      out.sample(`${name}_count`, { operation }, h.count);
    }
    out.family('pgcache_http_requests_total', 'counter', 'HTTP requests by operation and status.');
    for (const [key, n] of [...this.#requests].sort(([a], [b]) => a.localeCompare(b))) {
      const [operation = '', status = ''] = key.split('\u0000');
      out.sample('pgcache_http_requests_total', { operation, status }, n);
    }
  }
}

// The build, and the owner's store calls by operation (its memory and uptime are in the
// standard process_* families).
function renderOwner(out: PrometheusText, stats: StatsReport): void {
  const { owner, backend, operations } = stats;
  out.family('pgcache_build_info', 'gauge', 'The running pgcache: version, Node.js, engine.');
  out.sample(
    'pgcache_build_info',
    {
      version: owner.version,
      node: owner.node,
      platform: owner.platform,
      engine: backend.engine,
    },
    1,
  );
  const calls = 'pgcache_store_calls_total';
  out.family(calls, 'counter', 'Store calls this process made since it opened the store.');
  for (const operation of OPERATION_GROUPS) {
    out.sample(calls, { operation }, operations.byName[operation]);
  }
}

// Entries and bytes by kind (read from the database: absent while a client holds the session),
// the max size and the disk.
function renderSizes(out: PrometheusText, stats: StatsReport): void {
  const { entries, bytes } = stats;
  if (entries !== null) {
    out.family('pgcache_entries', 'gauge', 'Live and expired entries in the store, by kind.');
    for (const [kind, n] of Object.entries(entries.byKind)) {
      out.sample('pgcache_entries', { kind }, n);
    }
  }
  if (bytes.byKind !== null) {
    out.family('pgcache_bytes', 'gauge', 'Logical bytes (compact JSON) in the store, by kind.');
    for (const [kind, n] of Object.entries(bytes.byKind)) out.sample('pgcache_bytes', { kind }, n);
  }
  out.gauge('pgcache_max_bytes', 'Logical size maintain evicts down from.', bytes.max);
  out.gauge('pgcache_disk_bytes', 'Bytes of the store on disk.', bytes.onDisk);
  if (bytes.wal !== null) {
    out.gauge('pgcache_wal_bytes', 'Bytes of write-ahead log on disk.', bytes.wal);
  }
}

// Hits, misses and latency per tier (cumulative `le` buckets), the origin, and the outbox.
function renderTiers(out: PrometheusText, stats: TierStats, nowMs: number): void {
  const family = (name: string, help: string, value: (tier: (typeof TIERS)[number]) => number) => {
    out.family(name, 'counter', help);
    for (const tier of TIERS) out.sample(name, { tier }, value(tier));
  };
  family('pgcache_tier_hits_total', 'Lookups a tier answered.', (t) => stats.tiers[t].hits);
  family('pgcache_tier_misses_total', 'Lookups a tier missed.', (t) => stats.tiers[t].misses);
  const name = 'pgcache_tier_lookup_duration_seconds';
  out.family(
    name,
    'histogram',
    'Duration of lookups in each tier (l1 memory, l2 store, l3 origin).',
  );
  for (const tier of TIERS) {
    const latency = stats.tiers[tier].latencyMs;
    LATENCY_BUCKETS_MS.forEach((le, i) => {
      out.sample(`${name}_bucket`, { tier, le: String(le / 1000) }, latency.cumulative[i] ?? 0);
    });
    out.sample(`${name}_bucket`, { tier, le: '+Inf' }, latency.count);
    out.sample(`${name}_sum`, { tier }, (latency.mean * latency.count) / 1000);
    out.sample(`${name}_count`, { tier }, latency.count);
  }
  const cold = (t: (typeof TIERS)[number]) => stats.tiers[t].coldLatencyMs;
  family(
    'pgcache_tier_cold_lookups_total',
    "A store's first lookup after it was opened (left out of the lookup histogram).",
    (t) => cold(t).count,
  );
  family(
    'pgcache_tier_cold_lookup_seconds_total',
    'Time spent in those first lookups.',
    (t) => (cold(t).mean * cold(t).count) / 1000,
  );
  const o = stats.origin;
  out.counter('pgcache_origin_requests_total', 'Requests sent to the origin.', o.requests);
  out.counter('pgcache_origin_failures_total', 'Origin requests that failed.', o.failures);
  out.counter(
    'pgcache_origin_rejected_total',
    'Calls the open origin breaker refused.',
    o.rejected,
  );
  out.counter('pgcache_stale_served_total', 'Expired entries served in grace.', o.staleServed);
  out.counter(
    'pgcache_singleflight_joins_total',
    "Gets that joined another get's origin request.",
    o.singleFlightJoins,
  );
  out.counter(
    'pgcache_background_refreshes_total',
    'Origin requests left to finish after a stale copy was served.',
    o.backgroundRefreshes,
  );
  const box = stats.outbox;
  out.gauge('pgcache_outbox_depth', 'Write-behind writes waiting for the origin.', box.depth);
  out.gauge('pgcache_outbox_keys', 'Keys with writes waiting for the origin.', box.keys);
  out.gauge('pgcache_outbox_retrying', 'Waiting writes that failed at least once.', box.retrying);
  const oldest = box.oldestAt === null ? 0 : Math.max(0, nowMs - Date.parse(box.oldestAt)) / 1000;
  out.gauge('pgcache_outbox_oldest_age_seconds', 'Age of the oldest waiting write.', oldest);
}
