import { Command } from 'commander';
import type { CliContext } from '../src/cli/context.js';
import type { GlobalFlags } from '../src/cli/flags.js';
import { jsonDocument } from '../src/cli/json-output.js';
import { renderPairs } from '../src/cli/render/table.js';
import { originArg } from '../src/cli/tier-flags.js';
import { runOperation } from '../src/cli/with-store.js';
import { formatBytes, formatDuration } from '../src/config/units.js';
import { isMaintenanceRunning } from '../src/control/store-access.js';
import type { MaintainReport } from '../src/maintain/maintain.js';
import {
  maintainOperation,
  type MaintainOutbox,
  type MaintainRunReport,
} from '../src/operations/maintain-run.js';
import { tierSettings } from '../src/operations/request-tiers.js';
import { COMMAND_BUDGET_MS } from './budgets.js';

interface MaintainFlags extends GlobalFlags {
  dryRun?: boolean;
  quiet?: boolean;
  ifIdle?: boolean;
  origin?: string;
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
      '--if-idle',
      'when another run is in progress, exit 0 at once instead of waiting for it (within --timeout)',
    )
    .option(
      '--origin <url>',
      'send the write-behind outbox to this origin first (env PGCACHE_ORIGIN)',
      originArg,
    )
    .action(async (_flags: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<MaintainFlags>();
      let report: MaintainRunReport;
      try {
        report = await runOperation(
          ctx,
          flags,
          { command: 'maintain', commandTimeoutMs: COMMAND_BUDGET_MS.maintain },
          maintainOperation,
          (config) => ({
            dryRun: flags.dryRun === true,
            ifIdle: flags.ifIdle === true,
            tiers: tierSettings(config, ctx.env),
          }),
        );
      } catch (error) {
        // Another run maintains the store: for cron, that is success (exit 0, quiet stays quiet).
        if (!isMaintenanceRunning(error)) throw error;
        const reason = (error as Error).message;
        if (flags.json === true) ctx.stdout.write(jsonDocument({ skipped: true, reason }));
        else if (flags.quiet !== true) ctx.stdout.write(`${reason}\n`);
        return;
      }
      if (flags.json === true) ctx.stdout.write(jsonDocument({ ...report }));
      else if (flags.quiet !== true) ctx.stdout.write(renderMaintain(report, report.outbox));
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
