import { Command } from 'commander';
import type { CliContext } from '../src/cli/context.js';
import type { GlobalFlags } from '../src/cli/flags.js';
import { jsonDocument } from '../src/cli/json-output.js';
import { renderPairs } from '../src/cli/render/table.js';
import { withStore } from '../src/cli/with-store.js';
import { formatBytes, formatDuration } from '../src/config/units.js';
import type { MaintainReport } from '../src/maintain/maintain.js';
import { COMMAND_BUDGET_MS } from './budgets.js';

interface MaintainFlags extends GlobalFlags {
  dryRun?: boolean;
  quiet?: boolean;
}

/** `pgcache maintain`: purge expired entries, evict LRU down to the low-water mark, reclaim disk. */
export function maintainCommand(ctx: CliContext): Command {
  return new Command('maintain')
    .description(
      'purge expired entries, evict least-recently-used ones above the max size, VACUUM and CHECKPOINT; safe under cron',
    )
    .option('--dry-run', 'show what would be done without changing anything')
    .option('--quiet', 'print nothing on success (for cron)')
    .action(async (_flags: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<MaintainFlags>();
      const report = await withStore(
        ctx,
        flags,
        { commandTimeoutMs: COMMAND_BUDGET_MS.maintain },
        (store, deadline) => store.maintain({ dryRun: flags.dryRun, deadline }),
      );
      if (flags.json === true) ctx.stdout.write(jsonDocument({ ...report }));
      else if (flags.quiet !== true) ctx.stdout.write(renderMaintain(report));
    });
}

/** The text report of one maintenance run. */
export function renderMaintain(r: MaintainReport): string {
  const would = r.dryRun ? 'would ' : '';
  const wal = (n: number | null): string => (n === null ? 'n/a' : formatBytes(n));
  return (
    (r.dryRun ? 'dry run: nothing was changed\n' : '') +
    renderPairs([
      [`${would}purge expired`, `${r.expiredPurged} entries (${formatBytes(r.expiredBytes)})`],
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
      ['took', formatDuration(r.durationMs)],
    ])
  );
}
