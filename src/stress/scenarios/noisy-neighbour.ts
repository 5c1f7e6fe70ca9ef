import { scopeKey, type NamespacePolicies } from '../../namespaces/namespace-policy.js';
import { NamespaceRateLimiter } from '../../namespaces/rate-limiter.js';
import { drive, type LoadOp, type LoadShape } from '../load/load-model.js';
import type { StressClient } from '../load/load-source.js';
import { formatMs } from '../judging/metrics.js';
import { DROPPED, EXPLICIT_REJECTIONS, ScenarioRecorder } from '../load/recorder.js';
import { measured, type ScenarioDefinition } from './scenario.js';
import type { Workload } from '../load/workload.js';

/** The two namespaces; their keys are `<namespace>:stress:<run>:noisy-neighbour:<n>`. */
const QUIET = 'stress-quiet';
const NOISY = 'stress-noisy';
/** The noisy namespace's limits: a token bucket (429 in `serve`) and a quota of entries. */
const NOISY_POLICY = { ratePerSec: 50, burst: 10, maxEntries: 25 } as const;
const POLICIES: NamespacePolicies = { [NOISY]: NOISY_POLICY, [QUIET]: {} };
/** Light reads of the quiet namespace, the same load alone and beside the noisy one. */
const QUIET_RATE = 60;
const QUIET_LOAD: LoadShape = { model: 'open', ratePerSec: QUIET_RATE, durationMs: 2500 };
/** What the noisy namespace offers: twenty times its rate, half writes spread over 1,000 keys. */
const NOISY_RATE = 1000;
/** What the noisy namespace may meet: its own limits, the store shedding load, or the generator's cap. */
const NOISY_REJECTIONS: ReadonlySet<string> = new Set([
  'E_RATE_LIMITED',
  'E_QUOTA_EXCEEDED',
  DROPPED,
  ...EXPLICIT_REJECTIONS,
]);

/**
 * A quiet namespace reads lightly (open model, so a stall shows) first alone, then while a noisy
 * namespace offers twenty times its rate limit and writes past its quota. The noisy one is held by
 * a `NamespaceRateLimiter` (what `serve` answers with 429) and the store's quota; the scenario's
 * figures are the quiet namespace's beside it, and its p95 alone is `quietAlone.p95`.
 */
export const noisyNeighbourScenario: ScenarioDefinition = {
  id: 'noisy-neighbour',
  description: `a quiet namespace reads ${QUIET_RATE}/s, alone, then while a noisy one offers ${NOISY_RATE}/s against its ${NOISY_POLICY.ratePerSec}/s rate limit and ${NOISY_POLICY.maxEntries}-entry quota`,
  source: 'seed 002 Phase 3 (user isolation: users cannot interfere with each other)',
  extras: {
    'quietAlone.p95': 'time',
    'noisy.rateLimited': 'count',
    'noisy.overQuota': 'count',
    'noisy.unexplainedErrors': 'count',
  },
  tunable: ['ratePerSec', 'ops', 'durationMs', 'warmupMs'],
  async run(ctx) {
    const client = await ctx.source.client({ namespaces: POLICIES });
    const limiter = new NamespaceRateLimiter(POLICIES, { clock: ctx.clock });
    const quiet = ctx.workload({ keys: 200, readRatio: 1 });
    const noisy = ctx.workload({ keys: 1000, readRatio: 0.5, distribution: 'uniform' });
    await client.writeMany(
      Array.from({ length: quiet.keyCount }, (_, i) => ({
        key: scopeKey(QUIET, quiet.key(i)),
        value: quiet.value(),
      })),
    );
    const quietOp = (): LoadOp => namespaced(QUIET, quiet, client, limiter);
    const load = ctx.load(QUIET_LOAD);
    const alone = new ScenarioRecorder();
    const deps = { now: ctx.now, clock: ctx.clock };
    await drive(load, quietOp, alone, { ...deps, signal: ctx.signal });

    const loud = new ScenarioRecorder();
    const stop = new AbortController();
    const signal =
      ctx.signal === undefined ? stop.signal : AbortSignal.any([ctx.signal, stop.signal]);
    const noisyLoad = drive(
      { model: 'open', ratePerSec: NOISY_RATE, durationMs: 3_600_000 },
      () => namespaced(NOISY, noisy, client, limiter),
      loud,
      { ...deps, signal, bailAfterFailures: Number.POSITIVE_INFINITY },
    );
    const stoppedBy = await ctx.drive(load, quietOp).finally(() => stop.abort());
    await noisyLoad;
    return { load, stoppedBy, ...figures(alone, loud) };
  },
};

// One operation of `workload` inside `namespace`, through the namespace's rate limit.
function namespaced(
  namespace: string,
  workload: Workload,
  client: StressClient,
  limiter: NamespaceRateLimiter,
): LoadOp {
  const op = workload.next();
  const key = scopeKey(namespace, op.key);
  const call = (): Promise<unknown> =>
    op.type === 'read' ? client.read(key) : client.write(key, op.value);
  return { type: op.type, run: () => limiter.run(namespace, call) };
}

function figures(alone: ScenarioRecorder, loud: ScenarioRecorder) {
  const aloneP95 = alone.latency.snapshot().p95;
  const rateLimited = loud.errors.get('E_RATE_LIMITED') ?? 0;
  const overQuota = loud.errors.get('E_QUOTA_EXCEEDED') ?? 0;
  const unexplained = loud.countErrors((code) => !NOISY_REJECTIONS.has(code));
  const n = loud.attempted;
  return {
    metrics: {
      'quietAlone.p95': measured(aloneP95, alone.succeeded),
      'noisy.rateLimited': measured(rateLimited, n),
      'noisy.overQuota': measured(overQuota, n),
      'noisy.unexplainedErrors': measured(unexplained, n),
    },
    notes: [
      `quiet namespace alone: p95 ${formatMs(aloneP95)} over ${alone.succeeded} of ${alone.attempted} reads (the table: the same reads beside the noisy namespace)`,
      `noisy namespace (${NOISY_POLICY.ratePerSec}/s, burst ${NOISY_POLICY.burst}, quota ${NOISY_POLICY.maxEntries} entries): ${n} calls offered at ${NOISY_RATE}/s, ${loud.succeeded} let through (p95 ${formatMs(loud.latency.snapshot().p95)}), ${rateLimited} rate-limited (E_RATE_LIMITED; 429 in serve), ${overQuota} over quota (E_QUOTA_EXCEEDED; 507 in serve), ${unexplained} other failures`,
    ],
  };
}
