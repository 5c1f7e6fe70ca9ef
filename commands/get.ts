import { Command, Option } from 'commander';
import type { CliContext } from '../src/cli/context.js';
import { ttlArg } from '../src/cli/flags.js';
import { jsonDocument } from '../src/cli/json-output.js';
import { terminalFeatures } from '../src/cli/terminal.js';
import { addTierOptions, type TierFlags } from '../src/cli/tier-flags.js';
import { runOperation, warn } from '../src/cli/with-store.js';
import { formatDuration } from '../src/config/units.js';
import { ExitCode } from '../src/errors/index.js';
import { scopeKey } from '../src/namespaces/namespace-policy.js';
import { getOperation, type GetReport } from '../src/operations/get-entry.js';
import { tierSettings } from '../src/operations/request-tiers.js';
import { TIERS, type Tier } from '../src/tiers/tier-metrics.js';
import { COMMAND_BUDGET_MS } from './budgets.js';

interface GetFlags extends TierFlags {
  tier?: Tier;
  ttl?: number;
}

/** `pgcache get KEY`: print the value, read through the tiers; exit 1 when absent or expired. */
export function getCommand(ctx: CliContext): Command {
  return addTierOptions(
    new Command('get')
      .description(
        'print the JSON value stored under KEY, read through memory, the store and the origin (exit 1 when absent)',
      )
      .argument('<key>', 'entry key, e.g. component:react:button')
      .addOption(
        new Option('--tier <tier>', 'read this tier only (l1 memory, l2 store, l3 origin)').choices(
          TIERS,
        ),
      )
      .option(
        '--ttl <duration>',
        'TTL of an entry filled from the origin (default: config defaultTtlMs)',
        ttlArg,
      ),
    { grace: true },
  ).action(async (key: string, _flags: unknown, cmd: Command) => {
    const flags = cmd.optsWithGlobals<GetFlags>();
    const scoped = scopeKey(flags.namespace, key);
    const read = await runOperation(
      ctx,
      flags,
      { command: 'get', commandTimeoutMs: COMMAND_BUDGET_MS.get },
      getOperation,
      (config) => ({
        key: scoped,
        tier: flags.tier,
        ttlMs: flags.ttl,
        tiers: tierSettings(config, ctx.env),
      }),
    );
    ctx.stdout.write(
      renderEntry(read, flags.json === true, terminalFeatures(ctx.stdout, ctx.env).interactive),
    );
    if (read.found && read.stale && read.expiresAt !== null)
      warn(
        ctx,
        `${scoped} expired ${formatDuration(ctx.clock.now() - Date.parse(read.expiresAt))} ago; served a stale copy because the origin failed or was slow`,
      );
    if (!read.found) ctx.exitCode = ExitCode.No;
  });
}

/** The output of `get`: the value (pretty on a terminal), or the `--json` document. */
export function renderEntry(read: GetReport, json: boolean, pretty: boolean): string {
  if (json) return jsonDocument({ ...read });
  if (!read.found) return '';
  return `${JSON.stringify(read.value, null, pretty ? 2 : undefined)}\n`;
}
