import { Command } from 'commander';
import type { CliContext } from '../src/cli/context.js';
import type { GlobalFlags } from '../src/cli/flags.js';
import { jsonDocument } from '../src/cli/json-output.js';
import { withStore } from '../src/cli/with-store.js';
import { COMMAND_BUDGET_MS } from './budgets.js';

/** `pgcache init`: create the data directory (mode 0700) and apply migrations; idempotent. */
export function initCommand(ctx: CliContext): Command {
  return new Command('init')
    .description(
      'create the data directory (mode 0700) and apply all migrations; safe to run again',
    )
    .action(async (_flags: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<GlobalFlags>();
      const result = await withStore(
        ctx,
        flags,
        { commandTimeoutMs: COMMAND_BUDGET_MS.init, migrations: 'skip', create: true },
        async (store, deadline, config) => {
          const applied = await store.migrateUp({ deadline });
          const status = await store.migrationStatus({ deadline });
          return {
            dataDir: config.dataDir,
            backend: store.describe(),
            applied,
            version: status.current,
          };
        },
      );
      if (flags.json === true) {
        ctx.stdout.write(
          jsonDocument({
            dataDir: result.backend.kind === 'embedded' ? result.dataDir : null,
            backend: result.backend,
            applied: result.applied.map((m) => ({ version: m.version, name: m.name })),
            schema: { version: result.version },
          }),
        );
        return;
      }
      const where = result.backend.kind === 'embedded' ? result.dataDir : result.backend.location;
      ctx.stdout.write(
        result.applied.length === 0
          ? `${where} is up to date (schema version ${result.version}); nothing to do\n`
          : `initialised ${where}: applied migrations ${result.applied.map((m) => `${m.version} (${m.name})`).join(', ')}; schema version ${result.version}\n`,
      );
    });
}
