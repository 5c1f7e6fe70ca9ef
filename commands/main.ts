import type { CliContext } from '../src/cli/context.js';
export { createCliContext } from '../src/cli/node-context.js';
import { runCli } from '../src/cli/run.js';
import { buildProgram } from './index.js';

/** Run pgcache on `argv` with `ctx`; resolves to the exit code. */
export function main(argv: readonly string[], ctx: CliContext): Promise<number> {
  return runCli(argv, ctx, buildProgram);
}
