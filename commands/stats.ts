import { Command } from 'commander';
import type { CliContext } from '../src/cli/context.js';
import type { GlobalFlags } from '../src/cli/flags.js';
import { jsonDocument } from '../src/cli/json-output.js';
import { renderStats, statsJson } from '../src/cli/render/stats.js';
import { renderTierStats, tierStatsJson } from '../src/cli/render/tier-stats.js';
import { terminalFeatures } from '../src/cli/terminal.js';
import { namespaceArg } from '../src/cli/tier-flags.js';
import { withStore } from '../src/cli/with-store.js';
import { readNamespaceReport } from '../src/namespaces/namespace-report.js';
import { readTierStats } from '../src/tiers/tier-stats.js';
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
      const { stats, tiers, namespaces } = await withStore(
        ctx,
        flags,
        { commandTimeoutMs: COMMAND_BUDGET_MS.stats },
        async (store, deadline, config) => ({
          stats: await store.stats({ deadline }),
          tiers: await readTierStats(store, { deadline }),
          namespaces: await readNamespaceReport(
            store,
            config.namespaces,
            new Date(ctx.clock.now()),
            flags.namespace,
            { deadline },
          ),
        }),
      );
      if (flags.json === true) {
        ctx.stdout.write(
          jsonDocument({ ...statsJson(stats), ...tierStatsJson(tiers, namespaces) }),
        );
        return;
      }
      const now = ctx.clock.now();
      ctx.stdout.write(
        renderStats(stats, terminalFeatures(ctx.stdout, ctx.env), now) +
          renderTierStats(tiers, namespaces, now, 'expired, not purged'.length),
      );
    });
}
