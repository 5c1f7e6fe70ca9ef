import { Command } from 'commander';
import type { CliContext } from '../src/cli/context.js';
import type { GlobalFlags } from '../src/cli/flags.js';
import { jsonDocument } from '../src/cli/json-output.js';
import { renderPairs } from '../src/cli/render/table.js';
import { originArg } from '../src/cli/tier-flags.js';
import { withTieredCache } from '../src/cli/with-tiered-cache.js';
import { formatBytes, formatDuration } from '../src/config/units.js';
import type { MaintainReport } from '../src/maintain/maintain.js';
import type { OutboxFigures } from '../src/tiers/outbox.js';
import type { OutboxFlushReport } from '../src/tiers/outbox-flusher.js';
import { COMMAND_BUDGET_MS } from './budgets.js';

interface MaintainFlags extends GlobalFlags {
  dryRun?: boolean;
  quiet?: boolean;
  origin?: string;
}

/** The write-behind outbox in a maintenance run: what was sent, and what still waits. */
export interface MaintainOutbox {
  /** What the flush did; null when it did not run (no origin, or a dry run). */
  readonly flushed: OutboxFlushReport | null;
  readonly waiting: OutboxFigures;
}

/** `pgcache maintain`: purge expired entries, evict LRU down to the low-water mark, reclaim disk. */
export function maintainCommand(ctx: CliContext): Command {
  return new Command('maintain')
    .description(
      'purge expired entries, evict least-recently-used ones above the max size, VACUUM and CHECKPOINT; safe under cron',
    )
    .option('--dry-run', 'show what would be done without changing anything')
    .option('--quiet', 'print nothing on success (for cron)')
    .option(
      '--origin <url>',
      'send the write-behind outbox to this origin first (env PGCACHE_ORIGIN)',
      originArg,
    )
    .action(async (_flags: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<MaintainFlags>();
      const { report, outbox } = await withTieredCache(
        ctx,
        flags,
        { commandTimeoutMs: COMMAND_BUDGET_MS.maintain },
        async (cache, deadline, store, config) => {
          // The outbox goes first, so that what waits for the origin reaches it.
          const sendable = config.origin.url !== undefined && flags.dryRun !== true;
          const flushed = sendable ? await cache.flushOutbox({ deadline }) : null;
          const report = await store.maintain({ dryRun: flags.dryRun, deadline });
          return { report, outbox: { flushed, waiting: await cache.outboxFigures({ deadline }) } };
        },
      );
      if (flags.json === true) ctx.stdout.write(jsonDocument({ ...report, outbox }));
      else if (flags.quiet !== true) ctx.stdout.write(renderMaintain(report, outbox));
    });
}

/** The text report of one maintenance run. */
export function renderMaintain(r: MaintainReport, outbox: MaintainOutbox): string {
  const would = r.dryRun ? 'would ' : '';
  const wal = (n: number | null): string => (n === null ? 'n/a' : formatBytes(n));
  return (
    (r.dryRun ? 'dry run: nothing was changed\n' : '') +
    renderPairs([
      [`${would}purge expired`, `${r.expiredPurged} entries (${formatBytes(r.expiredBytes)})`],
      ...(r.namespaces.length === 0
        ? []
        : [
            [
              `${would}evict (quotas)`,
              r.namespaces
                .map((n) => `${n.entries} entries (${formatBytes(n.bytes)}) in ${n.namespace}`)
                .join(', '),
            ] as [string, string],
          ]),
      [
        `${would}evict (LRU)`,
        `${r.evicted} entries (${formatBytes(r.evictedBytes)}), low-water mark ${formatBytes(r.lowWaterBytes)} of ${formatBytes(r.maxSizeBytes)}`,
      ],
      [
        `${would}free`,
        `${formatBytes(r.bytesFreed)} (size ${formatBytes(r.sizeBefore)} → ${formatBytes(r.sizeAfter)})`,
      ],
      [
        'disk',
        `${formatBytes(r.diskBytesBefore)} → ${formatBytes(r.diskBytesAfter)} (wal ${wal(r.walBytesBefore)} → ${wal(r.walBytesAfter)})`,
      ],
      [
        'reclaim',
        r.reclaimed === 'server' ? 'left to the server (autovacuum, checkpointer)' : r.reclaimed,
      ],
      ['outbox', outboxLine(outbox, r.dryRun)],
      ['took', formatDuration(r.durationMs)],
    ])
  );
}

function outboxLine({ flushed, waiting }: MaintainOutbox, dryRun: boolean): string {
  const left =
    waiting.depth === 0 ? 'nothing waiting' : `${waiting.depth} waiting (${waiting.keys} keys)`;
  if (flushed === null && waiting.depth === 0) return left;
  if (flushed === null)
    return `${left}; not sent: ${dryRun ? 'dry run' : 'no origin configured (--origin)'}`;
  const open = flushed.breakerOpen ? '; stopped: the origin breaker is open' : '';
  return `sent ${flushed.sent}, failed ${flushed.failed}${open}; ${left}`;
}
