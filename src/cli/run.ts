import { CommanderError, type Command } from 'commander';
import { ExitCode, InterruptedError, UsageError } from '../errors/index.js';
import type { CliContext } from './context.js';
import { asPgcacheError, renderError } from './errors-output.js';
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
    writeErr: (text) => ctx.stderr.write(text),
    outputError: () => undefined, // reported below, in our own format
  });
  for (const command of program.commands) command.copyInheritedSettings(program);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    if (ctx.signal.aborted && ctx.interruptHandled !== true)
      throw new InterruptedError('interrupted', { hint: 'Run the command again to finish it.' });
    return ctx.exitCode;
  } catch (thrown) {
    if (thrown instanceof CommanderError) return commanderExit(thrown, ctx, json);
    const error = ctx.signal.aborted
      ? new InterruptedError('interrupted', { hint: 'Run the command again to finish it.' })
      : asPgcacheError(thrown);
    const { color } = terminalFeatures(ctx.stderr, ctx.env);
    ctx.stderr.write(renderError(error, { json, color, debug: ctx.env['PGCACHE_DEBUG'] === '1' }));
    return error.exitCode;
  }
}

function commanderExit(error: CommanderError, ctx: CliContext, json: boolean): number {
  if (
    error.code === 'commander.helpDisplayed' ||
    error.code === 'commander.version' ||
    error.code === 'commander.help'
  ) {
    return ExitCode.Ok;
  }
  if (error.code === 'commander.executeSubCommandAsync' && error.exitCode === 0) return ExitCode.Ok;
  const message = error.message.replace(/^error: /, '');
  const usage = new UsageError(message, {
    hint: 'Run `pgcache --help` or `pgcache <command> --help` for usage.',
  });
  const { color } = terminalFeatures(ctx.stderr, ctx.env);
  ctx.stderr.write(renderError(usage, { json, color, debug: false }));
  return ExitCode.Usage;
}
