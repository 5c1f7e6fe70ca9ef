import { Command } from 'commander';
import type { CliContext } from '../src/cli/context.js';
import { addGlobalOptions } from '../src/cli/flags.js';
import { VERSION } from '../src/version.js';
import { delCommand } from './del.js';
import { doctorCommand } from './doctor.js';
import { getCommand } from './get.js';
import { initCommand } from './init.js';
import { listCommand } from './list.js';
import { maintainCommand } from './maintain.js';
import { migrateCommand } from './migrate.js';
import { serveCommand } from './serve.js';
import { setCommand } from './set.js';
import { statsCommand } from './stats.js';
import { stressCommand } from './stress.js';

/** Build the `pgcache` program: global options and one command per file. */
export function buildProgram(ctx: CliContext): Command {
  const program = addGlobalOptions(
    new Command('pgcache')
      .description('a cache kept in embedded Postgres (PGlite): run, inspect and stress it')
      .version(VERSION, '-V, --version'),
  );
  for (const make of [
    initCommand,
    migrateCommand,
    getCommand,
    setCommand,
    delCommand,
    listCommand,
    statsCommand,
    maintainCommand,
    doctorCommand,
    stressCommand,
    serveCommand,
  ]) {
    program.addCommand(make(ctx));
  }
  program.showHelpAfterError(false);
  return program;
}
