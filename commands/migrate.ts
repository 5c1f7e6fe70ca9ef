import { Command } from 'commander';
import type { CliContext } from '../src/cli/context.js';
import { integerArg, type GlobalFlags } from '../src/cli/flags.js';
import { jsonDocument } from '../src/cli/json-output.js';
import { renderTable } from '../src/cli/render/table.js';
import { terminalFeatures } from '../src/cli/terminal.js';
import { commandConfig, runOperation, withStore } from '../src/cli/with-store.js';
import { assertValidConfig } from '../src/config/load-config.js';
import { ExitCode } from '../src/errors/index.js';
import { MIGRATIONS, migrationChecksum, type MigrationStatus } from '../src/migrations/index.js';
import {
  migrationStatusDocument,
  migrationStatusOperation,
} from '../src/operations/migration-status.js';
import { storeExists } from '../src/store/open-store.js';
import { COMMAND_BUDGET_MS } from './budgets.js';

const budget = {
  command: 'migrate',
  commandTimeoutMs: COMMAND_BUDGET_MS.migrate,
  migrations: 'skip',
} as const;

/** `pgcache migrate status|up|down`: versioned, checksummed migrations, one transaction each. */
export function migrateCommand(ctx: CliContext): Command {
  const migrate = new Command('migrate').description('show, apply or undo schema migrations');
  migrate
    .command('status', { isDefault: true })
    .description('applied, pending and drifted migrations (read-only)')
    .option('--check', 'exit 1 when any migration is pending or drifted')
    .action(async (_flags: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<GlobalFlags & { check?: boolean }>();
      const config = assertValidConfig(commandConfig(ctx, flags, budget.commandTimeoutMs));
      // Checking is read-only: with no store yet, every migration is pending and nothing is created.
      const status =
        storeExists(config.dataDir) || config.databaseUrl !== undefined
          ? await runOperation(ctx, flags, budget, migrationStatusOperation, () => ({}))
          : noStoreStatus();
      ctx.stdout.write(
        flags.json === true
          ? jsonDocument(migrationStatusDocument(status))
          : renderStatus(status, ctx),
      );
      if (flags.check === true && (status.pending.length > 0 || status.drifted.length > 0))
        ctx.exitCode = ExitCode.No;
    });
  migrate
    .command('up')
    .description(
      'apply pending migrations in order, each in its own transaction; stop at the first error',
    )
    .option('--to <version>', 'stop after this version', integerArg(0, 1_000_000))
    .action(async (_flags: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<GlobalFlags & { to?: number }>();
      const applied = await withStore(ctx, flags, budget, (access, deadline) =>
        access.ownStore('apply migrations').migrateUp({ deadline, to: flags.to }),
      );
      ctx.stdout.write(
        flags.json === true
          ? jsonDocument({ applied: applied.map((m) => ({ version: m.version, name: m.name })) })
          : applied.length === 0
            ? 'nothing to apply; the schema is up to date\n'
            : applied.map((m) => `applied ${m.version} ${m.name}\n`).join(''),
      );
    });
  migrate
    .command('down')
    .description('undo applied migrations above --to, newest first')
    .requiredOption(
      '--to <version>',
      'go down to this version (0 undoes all)',
      integerArg(0, 1_000_000),
    )
    .action(async (_flags: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<GlobalFlags & { to: number }>();
      const undone = await withStore(ctx, flags, budget, (access, deadline) =>
        access.ownStore('undo migrations').migrateDown(flags.to, { deadline }),
      );
      ctx.stdout.write(
        flags.json === true
          ? jsonDocument({ undone: undone.map((m) => ({ version: m.version, name: m.name })) })
          : undone.length === 0
            ? `nothing to undo; the schema is at or below version ${flags.to}\n`
            : undone.map((m) => `undid ${m.version} ${m.name}\n`).join(''),
      );
    });
  return migrate;
}

function noStoreStatus(): MigrationStatus {
  return {
    applied: [],
    pending: MIGRATIONS.map((m) => ({
      version: m.version,
      name: m.name,
      checksum: migrationChecksum(m),
    })),
    drifted: [],
    unknown: [],
    current: 0,
    latest: MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0),
  };
}

function renderStatus(status: MigrationStatus, ctx: CliContext): string {
  const drifted = new Set(status.drifted.map((d) => d.version));
  const rows = [
    ...status.applied.map((a) => [
      String(a.version),
      a.name,
      drifted.has(a.version) ? 'DRIFTED' : 'applied',
      a.appliedAt,
      a.checksum.slice(0, 12),
    ]),
    ...status.pending.map((p) => [
      String(p.version),
      p.name,
      'pending',
      '',
      p.checksum.slice(0, 12),
    ]),
  ];
  const summary = `schema version ${status.current} of ${status.latest}: ${status.pending.length} pending, ${status.drifted.length} drifted\n`;
  return (
    renderTable(
      ['version', 'name', 'state', 'applied at', 'checksum'],
      rows,
      terminalFeatures(ctx.stdout, ctx.env),
    ) + summary
  );
}
