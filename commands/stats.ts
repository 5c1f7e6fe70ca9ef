import { Command } from 'commander';
import type { CliContext } from '../src/cli/context.js';
import type { GlobalFlags } from '../src/cli/flags.js';
import { jsonDocument } from '../src/cli/json-output.js';
import { renderStats, statsJson } from '../src/cli/render/stats.js';
import { terminalFeatures } from '../src/cli/terminal.js';
import { withStore } from '../src/cli/with-store.js';
import { COMMAND_BUDGET_MS } from './budgets.js';

/** `pgcache stats`: sizes, disk, hits and misses, connections, schema and last runs. */
export function statsCommand(ctx: CliContext): Command {
  return new Command('stats')
    .description(
      'entries and bytes by kind, disk and WAL, hits and misses, connections, schema, last maintenance',
    )
    .action(async (_flags: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<GlobalFlags>();
      const stats = await withStore(
        ctx,
        flags,
        { commandTimeoutMs: COMMAND_BUDGET_MS.stats },
        (store, deadline) => store.stats({ deadline }),
      );
      ctx.stdout.write(
        flags.json === true
          ? jsonDocument(statsJson(stats))
          : renderStats(stats, terminalFeatures(ctx.stdout, ctx.env), ctx.clock.now()),
      );
    });
}
