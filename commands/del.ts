import { Command } from 'commander';
import type { CliContext } from '../src/cli/context.js';
import type { GlobalFlags } from '../src/cli/flags.js';
import { namespaceArg } from '../src/cli/tier-flags.js';
import { scopeKey } from '../src/namespaces/namespace-policy.js';
import { jsonDocument } from '../src/cli/json-output.js';
import { runOperation } from '../src/cli/with-store.js';
import { deleteOperation } from '../src/operations/delete-entries.js';
import { COMMAND_BUDGET_MS } from './budgets.js';

/** `pgcache del KEY...`: delete entries and say how many were removed. */
export function delCommand(ctx: CliContext): Command {
  return new Command('del')
    .description('delete entries; reports how many live entries were removed')
    .argument('<keys...>', 'entry keys')
    .option('--namespace <ns>', 'the keys are inside this namespace (<ns>:KEY)', namespaceArg)
    .action(async (keys: string[], _flags: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<GlobalFlags & { namespace?: string }>();
      const unique = [...new Set(keys.map((key) => scopeKey(flags.namespace, key)))];
      const report = await runOperation(
        ctx,
        flags,
        { command: 'del', commandTimeoutMs: COMMAND_BUDGET_MS.del },
        deleteOperation,
        () => ({ keys: unique }),
      );
      const { removed, requested } = report;
      ctx.stdout.write(
        flags.json === true
          ? jsonDocument({ ...report })
          : `removed ${removed} of ${requested} ${requested === 1 ? 'key' : 'keys'}\n`,
      );
    });
}
