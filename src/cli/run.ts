import { CommanderError, type Command } from 'commander';
import {
  InterruptedError,
  UsageError,
  asPgcacheError,
  type PgcacheError,
} from '../errors/index.js';
import type { CliContext } from './context.js';
import { renderError } from './errors-output.js';
import { outputSettled } from './node-context.js';
import { terminalFeatures } from './terminal.js';

/**
 * Run the program on `argv` and return the exit code: the one place that maps errors to exit
 * codes. Nothing here exits the process; `bin/pgcache.js` sets `process.exitCode`.
 */
export async function runCli(
  argv: readonly string[],
  ctx: CliContext,
  buildProgram: (ctx: CliContext, argv: readonly string[]) => Command | Promise<Command>,
): Promise<number> {
  const program = await buildProgram(ctx, argv);
  const json = argv.includes('--json');
  program.exitOverride();
  program.configureOutput({
    writeOut: (text) => ctx.stdout.write(text),
    // Help shown for a usage error (`pgcache` alone); under --json stderr holds one JSON document.
    writeErr: (text) => (json ? undefined : ctx.stderr.write(text)),
    outputError: () => undefined, // reported below, in our own format
  });
  inheritSettings(program);
  let error: PgcacheError | undefined;
  try {
    await program.parseAsync([...argv], { from: 'user' });
    if (ctx.signal.aborted && ctx.interruptHandled !== true) error = interrupted();
  } catch (thrown) {
    if (thrown instanceof CommanderError) error = commanderError(thrown, argv, program);
    else error = ctx.signal.aborted ? interrupted() : asPgcacheError(thrown);
  }
  // A failed write to stdout means the answer never arrived, whatever the command concluded.
  error ??= await outputSettled(ctx.stdout);
  if (error === undefined) return ctx.exitCode;
  const { color } = terminalFeatures(ctx.stderr, ctx.env);
  ctx.stderr.write(renderError(error, { json, color, debug: ctx.env['PGCACHE_DEBUG'] === '1' }));
  return error.exitCode;
}

/**
 * The operands of `argv`, in order (`--data-dir d get k` → `get`, `k`): the options `program`
 * declares are skipped with their values, any other option is taken for a flag.
 */
export function operands(argv: readonly string[], program: Command): string[] {
  const takesValue = new Set(
    program.options.filter((o) => o.required || o.optional).flatMap((o) => [o.long, o.short]),
  );
  const found: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? '';
    if (token === '--') return [...found, ...argv.slice(i + 1)];
    if (token.length > 1 && token.startsWith('-')) {
      if (takesValue.has(token)) i++;
    } else {
      found.push(token);
    }
  }
  return found;
}

/** Commander hands exitOverride() and the output settings one level down only: go all the way. */
function inheritSettings(command: Command): void {
  for (const sub of command.commands) {
    sub.copyInheritedSettings(command);
    inheritSettings(sub);
  }
}

function interrupted(): InterruptedError {
  return new InterruptedError('interrupted', { hint: 'Run the command again to finish it.' });
}

/** The usage error behind a commander exit; `undefined` for help or version asked for. */
function commanderError(
  error: CommanderError,
  argv: readonly string[],
  program: Command,
): UsageError | undefined {
  if (error.exitCode === 0) return undefined;
  if (error.code === 'commander.help') {
    // Help printed because no command, or an unknown one after `help`, was given.
    const [first, second] = operands(argv, program);
    const message =
      first === 'help' && second !== undefined ? `unknown command '${second}'` : 'no command given';
    return new UsageError(message, { hint: 'Run `pgcache --help` to see the commands.' });
  }
  return new UsageError(error.message.replace(/^error: /, ''), {
    hint: 'Run `pgcache --help` or `pgcache <command> --help` for usage.',
  });
}
