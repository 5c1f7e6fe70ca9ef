import { Command } from 'commander';
import type { CliContext } from '../src/cli/context.js';
import type { GlobalFlags } from '../src/cli/flags.js';
import { jsonDocument } from '../src/cli/json-output.js';
import { terminalFeatures } from '../src/cli/terminal.js';
import { withStore } from '../src/cli/with-store.js';
import { ExitCode } from '../src/errors/index.js';
import type { Entry } from '../src/store/entry.js';
import { COMMAND_BUDGET_MS } from './budgets.js';

/** `pgcache get KEY`: print the value; exit 1 when absent or expired. */
export function getCommand(ctx: CliContext): Command {
  return new Command('get')
    .description('print the JSON value stored under KEY (exit 1 when absent or expired)')
    .argument('<key>', 'entry key, e.g. component:react:button')
    .action(async (key: string, _flags: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<GlobalFlags>();
      const entry = await withStore(
        ctx,
        flags,
        { commandTimeoutMs: COMMAND_BUDGET_MS.get },
        (store, deadline) => store.get(key, { deadline }),
      );
      ctx.stdout.write(
        renderEntry(
          key,
          entry,
          flags.json === true,
          terminalFeatures(ctx.stdout, ctx.env).interactive,
        ),
      );
      if (entry === undefined) ctx.exitCode = ExitCode.No;
    });
}

/** The output of `get`: the value (pretty on a terminal), or the `--json` document. */
export function renderEntry(
  key: string,
  entry: Entry | undefined,
  json: boolean,
  pretty: boolean,
): string {
  if (json) {
    return jsonDocument(
      entry === undefined
        ? { key, found: false, value: null }
        : {
            key,
            found: true,
            value: entry.value,
            kind: entry.kind,
            sizeBytes: entry.sizeBytes,
            expiresAt: entry.expiresAt?.toISOString() ?? null,
          },
    );
  }
  if (entry === undefined) return '';
  return `${JSON.stringify(entry.value, null, pretty ? 2 : undefined)}\n`;
}
