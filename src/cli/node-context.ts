import { systemClock } from '../clock.js';
import { OutputFailedError, type PgcacheError } from '../errors/index.js';
import { nodeHost } from '../platform/host.js';
import type { CliContext, OutputStream } from './context.js';

/** The pieces of a Node process a CLI context is made of (handed in by bin/pgcache.js). */
export interface NodeStreams {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly stdin: NodeJS.ReadStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly signal: AbortSignal;
}

/** How to wait for the last write of each stdout built here, and learn whether any failed. */
const settlers = new WeakMap<OutputStream, () => Promise<PgcacheError | undefined>>();

/**
 * Wait until everything written to `stream` has reached the OS; resolves to the failure, if a
 * write failed. Always `undefined` for streams not built by {@link createCliContext}.
 */
export function outputSettled(stream: OutputStream): Promise<PgcacheError | undefined> {
  return settlers.get(stream)?.() ?? Promise.resolve(undefined);
}

/** Build the real context: the process's streams, the system clock and the real store. */
export function createCliContext(io: NodeStreams): CliContext {
  // Nowhere is left to report a failed stderr write: ignore it rather than crash.
  io.stderr.on('error', ignore);
  return {
    stdout: trackedStdout(io.stdout),
    stderr: {
      write: (text) => void io.stderr.write(text),
      isTTY: io.stderr.isTTY,
      columns: io.stderr.columns,
    },
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of io.stdin) chunks.push(Buffer.from(chunk as Buffer));
      return Buffer.concat(chunks).toString('utf8');
    },
    env: io.env,
    cwd: io.cwd,
    clock: systemClock,
    host: nodeHost,
    signal: io.signal,
    // Loaded on first use: `--version` and `--help` need no store.
    openStore: async (options) => (await import('../store/open-store.js')).openStore(options),
    exitCode: 0,
  };
}

/**
 * Stdout that never throws from an 'error' event: the first failure is kept for
 * {@link outputSettled} and later writes are dropped. EPIPE (`pgcache list | head` closed the
 * pipe early) is no failure: the reader has what it wanted.
 */
function trackedStdout(stream: NodeJS.WriteStream): OutputStream {
  let failure: NodeJS.ErrnoException | undefined;
  let closed = false;
  let last: Promise<void> = Promise.resolve();
  const onError = (error: NodeJS.ErrnoException): void => {
    closed = true;
    if (error.code !== 'EPIPE') failure ??= error;
  };
  stream.on('error', onError);
  const output: OutputStream = {
    write: (text) => {
      if (closed) return;
      last = new Promise((resolve) => {
        stream.write(text, (error) => {
          if (error !== null && error !== undefined) onError(error);
          resolve();
        });
      });
    },
    isTTY: stream.isTTY,
    columns: stream.columns,
    get closed() {
      return closed;
    },
  };
  settlers.set(output, async () => {
    await last;
    if (failure === undefined) return undefined;
    return new OutputFailedError(`cannot write to standard output: ${failure.message}`, {
      cause: failure,
      hint:
        failure.code === 'ENOSPC'
          ? 'Free some disk space or send the output elsewhere, then run the command again.'
          : 'Check where standard output goes (a full disk, a closed file), then run the command again.',
    });
  });
  return output;
}

function ignore(): void {}
