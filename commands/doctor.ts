import { Command } from 'commander';
import type { CliContext } from '../src/cli/context.js';
import type { GlobalFlags } from '../src/cli/flags.js';
import { jsonDocument } from '../src/cli/json-output.js';
import {
  checkListJson,
  doctorJson,
  renderCheck,
  renderCheckList,
  renderDoctorSummary,
} from '../src/cli/render/doctor.js';
import { terminalFeatures } from '../src/cli/terminal.js';
import { commandConfig, warn } from '../src/cli/with-store.js';
import type { LoadedConfig } from '../src/config/load-config.js';
import { CHECKS } from '../src/doctor/checks/index.js';
import { DoctorContext } from '../src/doctor/doctor-context.js';
import { doctorFailed, runDoctor, selectChecks } from '../src/doctor/run-doctor.js';
import { ExitCode, UsageError, isPgcacheError, type PgcacheError } from '../src/errors/index.js';
import { COMMAND_BUDGET_MS } from './budgets.js';

interface DoctorFlags extends GlobalFlags {
  fix?: boolean;
  migrate?: boolean;
  strict?: boolean;
  allowSkips?: boolean;
  list?: boolean;
}

/** `pgcache doctor [CHECK…]`: one line per check (✓ ! ✗) with a fix; `--fix` repairs what is safe. */
export function doctorCommand(ctx: CliContext): Command {
  return new Command('doctor')
    .description(
      'diagnose the store: runtime, configuration, data directory, lock, schema, integrity, breakers, maintenance, leaked connections',
    )
    .argument('[checks...]', `run only these checks (${CHECKS.map((c) => c.id).join(', ')})`)
    .option('--fix', 'apply safe, idempotent fixes: stale lock, missing index, expired entries')
    .option('--migrate', 'with --fix, also apply pending migrations')
    .option('--strict', 'warnings fail too (exit 1)')
    .option(
      '--allow-skips',
      'checks that could not run do not fail the run (by default they do: exit 1)',
    )
    .option('--list', 'list the checks and what --fix does for each')
    .action(async (ids: string[], _flags: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<DoctorFlags>();
      const checks = selectChecks(ids);
      if (flags.list === true) {
        ctx.stdout.write(
          flags.json === true ? jsonDocument(checkListJson(checks)) : renderCheckList(checks),
        );
        return;
      }
      if (flags.migrate === true && flags.fix !== true) {
        throw new UsageError('--migrate only applies with --fix', {
          hint: 'Run `pgcache doctor --fix --migrate`, or `pgcache migrate up`.',
        });
      }
      const doctor = new DoctorContext(
        { fix: flags.fix, migrate: flags.migrate },
        {
          config: loadConfigForDoctor(ctx, flags),
          openStore: ctx.openStore,
          host: ctx.host,
          clock: ctx.clock,
          cwd: ctx.cwd,
          onWarning: (message) => warn(ctx, message),
        },
      );
      const term = terminalFeatures(ctx.stdout, ctx.env);
      const json = flags.json === true;
      const report = await runDoctor(doctor, {
        checks,
        signal: ctx.signal,
        onCheck: json ? undefined : (outcome) => ctx.stdout.write(renderCheck(outcome, term)),
      });
      const failed = doctorFailed(report, { strict: flags.strict, allowSkips: flags.allowSkips });
      ctx.stdout.write(
        json ? jsonDocument(doctorJson(report)) : renderDoctorSummary(report, { failed }, term),
      );
      if (failed) ctx.exitCode = ExitCode.No;
    });
}

// A configuration that does not load is the config check's failure, not the command's exit 78.
function loadConfigForDoctor(ctx: CliContext, flags: DoctorFlags): LoadedConfig | PgcacheError {
  try {
    return commandConfig(ctx, flags, COMMAND_BUDGET_MS.doctor);
  } catch (error) {
    if (isPgcacheError(error)) return error;
    throw error;
  }
}
