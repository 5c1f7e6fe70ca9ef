import { Command } from 'commander';
import type { CliContext } from '../src/cli/context.js';
import type { GlobalFlags } from '../src/cli/flags.js';
import { jsonDocument } from '../src/cli/json-output.js';
import { renderStats } from '../src/cli/render/stats.js';
import { durationArg, integerArg } from '../src/cli/flags.js';
import { watchStats } from '../src/cli/stats-watch.js';
import { terminalFeatures } from '../src/cli/terminal.js';
import { Deadline } from '../src/resilience/deadline.js';
import { UsageError } from '../src/errors/index.js';
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
    .option('--watch', 'show live figures every interval until Ctrl-C (one line each when piped)')
    .option('--interval <duration>', 'how often --watch samples (default 1s)', durationArg)
    .option('--count <n>', 'stop --watch after this many intervals', integerArg(1, 1_000_000))
    .action(async (_flags: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<StatsFlags>();
      if (flags.watch === true) {
        await runWatch(ctx, flags);
        return;
      }
      if (flags.interval !== undefined || flags.count !== undefined) {
        throw new UsageError('--interval and --count go with --watch', {
          hint: 'Add --watch, e.g. pgcache stats --watch --interval 2s.',
        });
      }
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

interface StatsFlags extends GlobalFlags {
  namespace?: string;
  watch?: boolean;
  interval?: number;
  count?: number;
}

// `stats --watch`: one store access (the live owner's control socket when one runs) for the
// whole watch, a fresh budget for each sample.
async function runWatch(ctx: CliContext, flags: StatsFlags): Promise<void> {
  if (flags.json === true) {
    throw new UsageError('--watch prints lines, not one JSON document', {
      hint: 'Use pgcache stats --json for one document, or poll it.',
    });
  }
  const budget = { command: 'stats', commandTimeoutMs: COMMAND_BUDGET_MS.stats };
  await withStore(ctx, flags, budget, async (access, first, config) => {
    let opening: Deadline | undefined = first;
    await watchStats(
      ctx,
      () => {
        const deadline = opening ?? Deadline.after(ctx.clock, config.timeoutMs);
        opening = undefined;
        return access.run(statsOperation, { namespace: flags.namespace }, deadline);
      },
      {
        intervalMs: flags.interval ?? 1000,
        count: flags.count,
        term: terminalFeatures(ctx.stdout, ctx.env),
      },
    );
  });
}
