import { systemClock, type Clock } from '../../src/clock.js';
import type { CliContext } from '../../src/cli/context.js';
import { nodeHost, type Host } from '../../src/platform/host.js';
import { openStore } from '../../src/store/open-store.js';
import { main } from '../../commands/main.js';

/** What one in-process run of the CLI produced. */
export interface CliRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as the one JSON document `--json` promises. */
  json<T = Record<string, unknown>>(): T;
  /** stderr parsed as the `--json` error document. */
  error(): { code: string; message: string; hint?: string };
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string | undefined>;
  readonly stdin?: string;
  readonly clock?: Clock;
  readonly host?: Host;
  readonly tty?: boolean;
  readonly signal?: AbortSignal;
  readonly openStore?: CliContext['openStore'];
}

/** Run the real program in-process with string buffers for its streams. */
export async function runCli(
  argv: readonly string[],
  options: RunCliOptions = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const ctx: CliContext = {
    stdout: {
      write: (t) => void (stdout += t),
      isTTY: options.tty ?? false,
      columns: options.tty === true ? 120 : 0,
    },
    stderr: { write: (t) => void (stderr += t), isTTY: false, columns: 0 },
    readStdin: () => Promise.resolve(options.stdin ?? ''),
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    clock: options.clock ?? systemClock,
    host: options.host ?? nodeHost,
    signal: options.signal ?? new AbortController().signal,
    openStore: options.openStore ?? openStore,
    exitCode: 0,
  };
  const exitCode = await main(argv, ctx);
  return {
    exitCode,
    stdout,
    stderr,
    json: <T>() => JSON.parse(stdout) as T,
    error: () =>
      (JSON.parse(stderr) as { error: { code: string; message: string; hint?: string } }).error,
  };
}
