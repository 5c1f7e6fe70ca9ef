import { Option, type Command } from 'commander';
import { STRATEGY_NAMES, type StrategyName } from '../tiers/strategy-name.js';
import { checkOriginTemplate } from '../tiers/origin-url.js';
import { assertNamespaceName } from '../namespaces/namespace-policy.js';
import { argParser, durationArg, type GlobalFlags } from './flags.js';

/** Flags of the commands that go through the tiers. */
export interface TierFlags extends GlobalFlags {
  origin?: string;
  strategy?: StrategyName;
  grace?: number;
  namespace?: string;
}

/** Commander parser for an origin URL template. */
export const originArg = argParser(checkOriginTemplate);

/** Commander parser for a namespace name. */
export const namespaceArg = argParser((value) => {
  assertNamespaceName(value);
  return value;
});

/** Add `--origin`, `--strategy`, `--grace` (reads) and `--namespace` to a command. */
export function addTierOptions(command: Command, options: { grace: boolean }): Command {
  command
    .option(
      '--origin <url>',
      'origin (L3) URL template, e.g. https://host/{framework}/{name}.json (env PGCACHE_ORIGIN)',
      originArg,
    )
    .addOption(
      new Option('--strategy <name>', 'caching strategy (env PGCACHE_STRATEGY)').choices(
        STRATEGY_NAMES,
      ),
    );
  if (options.grace)
    command.option(
      '--grace <duration>',
      'serve an entry expired less than this long ago while the origin fails (env PGCACHE_GRACE)',
      durationArg,
    );
  return command.option(
    '--namespace <ns>',
    'work inside this namespace: KEY becomes <ns>:KEY',
    namespaceArg,
  );
}
