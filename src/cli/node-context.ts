import { systemClock } from '../clock.js';
import { nodeHost } from '../platform/host.js';
import type { CliContext } from './context.js';

/** The pieces of a Node process a CLI context is made of (handed in by bin/pgcache.js). */
export interface NodeStreams {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly stdin: NodeJS.ReadStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly signal: AbortSignal;
}

/** Build the real context: the process's streams, the system clock and the real store. */
export function createCliContext(io: NodeStreams): CliContext {
  // `pgcache list | head` closes the pipe early: that is not an error worth a stack trace.
  for (const stream of [io.stdout, io.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
  return {
    stdout: {
      write: (text) => void io.stdout.write(text),
      isTTY: io.stdout.isTTY,
      columns: io.stdout.columns,
    },
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
