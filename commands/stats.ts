import { Command } from 'commander';
import type { CliContext } from '../src/cli/context.js';
import type { GlobalFlags } from '../src/cli/flags.js';
import { jsonDocument } from '../src/cli/json-output.js';
import { renderStats } from '../src/cli/render/stats.js';
import { terminalFeatures } from '../src/cli/terminal.js';
import { namespaceArg } from '../src/cli/tier-flags.js';
import { withStore } from '../src/cli/with-store.js';
import { statsOperation } from '../src/operations/stats-report.js';
import { COMMAND_BUDGET_MS } from './budgets.js';

/** `pgcache stats`: sizes, disk, hits and misses, connections, schema and last runs. */
export function statsCommand(ctx: CliContext): Command {
  return new Command('stats')
    .description(
      'entries and bytes by kind, disk and WAL, hits and misses per tier, origin, outbox, namespaces, connections, schema, last maintenance',
    )
    .option('--namespace <ns>', 'show this namespace against its quota', namespaceArg)
    .action(async (_flags: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<GlobalFlags & { namespace?: string }>();
      const stats = await withStore(
        ctx,
        flags,
        { command: 'stats', commandTimeoutMs: COMMAND_BUDGET_MS.stats },
        async (access, deadline) => {
          const report = await access.run(statsOperation, { namespace: flags.namespace }, deadline);
          const via = access.via;
          return via === undefined ? report : { ...report, backend: { ...report.backend, via } };
        },
      );
      if (flags.json === true) {
        ctx.stdout.write(jsonDocument({ ...stats }));
        return;
      }
      ctx.stdout.write(renderStats(stats, terminalFeatures(ctx.stdout, ctx.env), ctx.clock.now()));
    });
}
