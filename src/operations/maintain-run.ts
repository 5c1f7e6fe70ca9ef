import type { MaintainReport } from '../maintain/maintain.js';
import type { OutboxFigures } from '../tiers/outbox.js';
import type { OutboxFlushReport } from '../tiers/outbox-flusher.js';
import { InputReader } from './input.js';
import type { TieredCache } from '../tiers/tiered-cache.js';
import type { Operation, OperationContext } from './operation.js';
import { parseTierSettings, withRequestTiers, type TierSettings } from './request-tiers.js';

/** What `maintain` asks for. */
export interface MaintainInput {
  readonly dryRun: boolean;
  /** Do not wait for a run in progress: fail at once with E_MAINTENANCE_RUNNING. */
  readonly ifIdle: boolean;
  readonly tiers: TierSettings;
}

/** The write-behind outbox in a maintenance run: what was sent, and what still waits. */
export interface MaintainOutbox {
  /** What the flush did; null when it did not run (no origin, or a dry run). */
  readonly flushed: OutboxFlushReport | null;
  readonly waiting: OutboxFigures;
}

/** One maintenance run: the `maintain --json` document and `POST /v1/maintain`'s answer. */
export interface MaintainRunReport extends MaintainReport {
  readonly outbox: MaintainOutbox;
}

/**
 * `maintain`: send the write-behind outbox (when an origin is configured), then purge, evict and
 * reclaim disk. Runs never overlap: one that finds another running waits for it within its
 * deadline (`ifIdle`: fails at once), then runs.
 */
export const maintainOperation: Operation<MaintainInput, MaintainRunReport> = {
  name: 'maintain',
  parseInput(raw) {
    const input = new InputReader('maintain', raw);
    return {
      dryRun: input.boolean('dryRun'),
      ifIdle: input.boolean('ifIdle'),
      tiers: parseTierSettings(input),
    };
  },
  run(ctx, { dryRun, ifIdle, tiers }) {
    return withRequestTiers(ctx, tiers, (cache) =>
      runMaintenanceWith(ctx, cache, {
        dryRun,
        ifIdle,
        send: tiers.origin.url !== undefined && !dryRun,
      }),
    );
  },
};

/**
 * One maintenance run on `cache`'s store: first send the write-behind outbox (`send`: there is
 * an origin, and this is no dry run), then maintain, then report what still waits.
 */
export async function runMaintenanceWith(
  ctx: OperationContext,
  cache: TieredCache,
  options: { readonly dryRun: boolean; readonly ifIdle: boolean; readonly send: boolean },
): Promise<MaintainRunReport> {
  const { deadline } = ctx;
  const { dryRun, ifIdle } = options;
  // The outbox goes first, so that what waits for the origin reaches it.
  const flushed = options.send ? await cache.flushOutbox({ deadline }) : null;
  const requestedBy = `pid ${ctx.caller.pid} (${ctx.caller.name})`;
  const report = await ctx.store.maintain({ dryRun, ifIdle, requestedBy, deadline });
  return { ...report, outbox: { flushed, waiting: await cache.outboxFigures({ deadline }) } };
}
