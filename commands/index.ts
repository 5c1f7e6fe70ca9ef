import { Command } from 'commander';
import type { CliContext } from '../src/cli/context.js';
import { addGlobalOptions } from '../src/cli/flags.js';
import { operands } from '../src/cli/run.js';
import { VERSION } from '../src/version.js';

type MakeCommand = (ctx: CliContext) => Command;

/** Every command, in help order, loaded on demand: a run imports only the commands it names. */
const COMMANDS: readonly { readonly name: string; readonly load: () => Promise<MakeCommand> }[] = [
  { name: 'init', load: async () => (await import('./init.js')).initCommand },
  { name: 'migrate', load: async () => (await import('./migrate.js')).migrateCommand },
  { name: 'get', load: async () => (await import('./get.js')).getCommand },
  { name: 'set', load: async () => (await import('./set.js')).setCommand },
  { name: 'del', load: async () => (await import('./del.js')).delCommand },
  { name: 'list', load: async () => (await import('./list.js')).listCommand },
  { name: 'stats', load: async () => (await import('./stats.js')).statsCommand },
  { name: 'maintain', load: async () => (await import('./maintain.js')).maintainCommand },
  { name: 'doctor', load: async () => (await import('./doctor.js')).doctorCommand },
  { name: 'stress', load: async () => (await import('./stress.js')).stressCommand },
  { name: 'serve', load: async () => (await import('./serve.js')).serveCommand },
];

/**
 * Build the `pgcache` program: global options and one command per file. Only the command `argv`
 * names is loaded (a short command should not pay for `stress` or `serve` at start-up); with none
 * named (`--help`, a mistyped command) all of them are, so that help and suggestions are whole.
 */
export async function buildProgram(
  ctx: CliContext,
  argv: readonly string[] = [],
): Promise<Command> {
  const program = addGlobalOptions(
    new Command('pgcache')
      .description('a cache kept in embedded Postgres (PGlite): run, inspect and stress it')
      .version(VERSION, '-V, --version'),
  );
  // The command is the first operand (`pgcache get stress` names `get` only), or the one after
  // `help`; global options and their values come before it.
  const [first, second] = operands(argv, program);
  const name = first === 'help' ? second : first;
  const named = COMMANDS.filter((command) => command.name === name);
  const versionOnly = argv.includes('--version') || argv.includes('-V');
  const wanted = named.length > 0 ? named : versionOnly ? [] : COMMANDS;
  const makers = await Promise.all(wanted.map((command) => command.load()));
  for (const make of makers) program.addCommand(make(ctx));
  program.showHelpAfterError(false);
  return program;
}
