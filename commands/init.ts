import { Command } from 'commander';
import type { CliContext } from '../src/cli/context.js';
import type { GlobalFlags } from '../src/cli/flags.js';
import { jsonDocument } from '../src/cli/json-output.js';
import { withStore } from '../src/cli/with-store.js';
import type { DatabaseInfo } from '../src/db/database.js';
import type { PendingMigration } from '../src/migrations/index.js';
import { migrationStatusOperation } from '../src/operations/migration-status.js';
import { COMMAND_BUDGET_MS } from './budgets.js';

interface InitResult {
  readonly dataDir: string;
  readonly backend: DatabaseInfo | undefined;
  readonly applied: readonly PendingMigration[];
  readonly version: number;
  /** The owner it went through, when another process holds the store. */
  readonly via: string | undefined;
}

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
        {
          command: 'init',
          commandTimeoutMs: COMMAND_BUDGET_MS.init,
          migrations: 'skip',
          create: true,
        },
        async (access, deadline, config): Promise<InitResult> => {
          const store = access.store;
          // Owned by another process: it exists; it is up to date unless migrations wait.
          if (store === undefined) {
            const status = await access.run(migrationStatusOperation, {}, deadline);
            if (status.pending.length > 0) access.ownStore('apply migrations');
            const { via } = access;
            return {
              dataDir: config.dataDir,
              backend: undefined,
              applied: [],
              version: status.current,
              via,
            };
          }
          const applied = await store.migrateUp({ deadline });
          const status = await store.migrationStatus({ deadline });
          const backend = store.describe();
          return {
            dataDir: config.dataDir,
            backend,
            applied,
            version: status.current,
            via: undefined,
          };
        },
      );
      const embedded = result.backend === undefined || result.backend.kind === 'embedded';
      if (flags.json === true) {
        ctx.stdout.write(
          jsonDocument({
            dataDir: embedded ? result.dataDir : null,
            backend: result.backend ?? null,
            applied: result.applied.map((m) => ({ version: m.version, name: m.name })),
            schema: { version: result.version },
          }),
        );
        return;
      }
      const where = embedded ? result.dataDir : (result.backend?.location ?? result.dataDir);
      const through = result.via === undefined ? '' : ` (owned by ${result.via})`;
      ctx.stdout.write(
        result.applied.length === 0
          ? `${where} is up to date (schema version ${result.version})${through}; nothing to do\n`
          : `initialised ${where}: applied migrations ${result.applied.map((m) => `${m.version} (${m.name})`).join(', ')}; schema version ${result.version}\n`,
      );
    });
}
