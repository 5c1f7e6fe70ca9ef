import { Command, Option } from 'commander';
import type { CliContext } from '../src/cli/context.js';
import { ttlArg } from '../src/cli/flags.js';
import { jsonDocument } from '../src/cli/json-output.js';
import { terminalFeatures } from '../src/cli/terminal.js';
import { addTierOptions, type TierFlags } from '../src/cli/tier-flags.js';
import { withTieredCache } from '../src/cli/with-tiered-cache.js';
import { warn } from '../src/cli/with-store.js';
import { formatDuration } from '../src/config/units.js';
import { ExitCode } from '../src/errors/index.js';
import { scopeKey } from '../src/namespaces/namespace-policy.js';
import { TIERS, type Tier } from '../src/tiers/tier-metrics.js';
import type { TieredRead } from '../src/tiers/tiered-cache.js';
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
    const read = await withTieredCache(
      ctx,
      flags,
      { commandTimeoutMs: COMMAND_BUDGET_MS.get },
      (cache, deadline) => cache.get(scoped, { deadline, tier: flags.tier, ttlMs: flags.ttl }),
    );
    ctx.stdout.write(
      renderEntry(
        scoped,
        read,
        flags.json === true,
        terminalFeatures(ctx.stdout, ctx.env).interactive,
      ),
    );
    if (read?.stale === true && read.entry.expiresAt !== null)
      warn(
        ctx,
        `${scoped} expired ${formatDuration(ctx.clock.now() - read.entry.expiresAt.getTime())} ago; served a stale copy because the origin failed or was slow`,
      );
    if (read === undefined) ctx.exitCode = ExitCode.No;
  });
}

/** The output of `get`: the value (pretty on a terminal), or the `--json` document. */
export function renderEntry(
  key: string,
  read: TieredRead | undefined,
  json: boolean,
  pretty: boolean,
): string {
  if (json) {
    if (read === undefined) return jsonDocument({ key, found: false, value: null });
    const { entry } = read;
    return jsonDocument({
      key,
      found: true,
      value: entry.value,
      kind: entry.kind,
      sizeBytes: entry.sizeBytes,
      expiresAt: entry.expiresAt?.toISOString() ?? null,
      tier: read.tier,
      stale: read.stale,
    });
  }
  if (read === undefined) return '';
  return `${JSON.stringify(read.entry.value, null, pretty ? 2 : undefined)}\n`;
}
