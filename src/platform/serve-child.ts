import process from 'node:process';
import { execa } from 'execa';
import { RemoteError, StoreUnavailableError } from '../errors/index.js';
import { pgcacheBin } from './package-files.js';

/** How to start `pgcache serve` as a child process. */
export interface ServeChildOptions {
  /** Arguments after `serve` (`--json` and free ports are added). */
  readonly args: readonly string[];
  /** Its whole environment. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** How long it may take to print its ready line. @default 60000 */
  readonly readyWithinMs?: number;
}

/** Where a started `serve` listens, from its `--json` ready line. */
export interface ServeChildEndpoints {
  readonly pg: { readonly host: string; readonly port: number } | null;
  readonly http: { readonly url: string };
}

/** A running `pgcache serve` child. */
export interface ServeChild {
  readonly pid: number;
  readonly endpoints: ServeChildEndpoints;
  /**
   * SIGTERM (serve drains, saves its breaker, closes PGlite, releases the lock), then SIGKILL if
   * it is still there after `graceMs`. Resolves with how it ended once it is gone. Idempotent.
   */
  stop(graceMs?: number): Promise<string>;
}

/**
 * Start `pgcache serve --json` on free loopback ports, as its own process group (a Ctrl-C at the
 * terminal reaches the parent, which stops it in order), and wait for its ready line. A serve that
 * exits first is an error carrying its own code and message (E_STORE_LOCKED, E_CONFIG…).
 */
export async function startServeChild(options: ServeChildOptions): Promise<ServeChild> {
  const child = execa(
    process.execPath,
    [
      pgcacheBin(),
      'serve',
      '--json',
      '--host',
      '127.0.0.1',
      '--pg-port',
      '0',
      '--http-port',
      '0',
      ...options.args,
    ],
    {
      cwd: options.cwd,
      env: { ...options.env },
      extendEnv: false,
      stdin: 'ignore',
      detached: true,
      reject: false,
      buffer: false,
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 64 * 1024) stderr += chunk.toString('utf8');
  });
  const exited = child.then((r) => r.signal ?? `exit ${r.exitCode ?? '?'}`);
  const line = await readyLine(child, options.readyWithinMs ?? 60_000, exited, () => stderr);
  let stopping: Promise<string> | undefined;
  return {
    pid: child.pid ?? 0,
    endpoints: { pg: line.pg ?? null, http: line.http },
    stop(graceMs = 30_000) {
      stopping ??= (async () => {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        try {
          return await exited;
        } finally {
          clearTimeout(timer);
        }
      })();
      return stopping;
    },
  };
}

interface ReadyLine {
  readonly pg?: ServeChildEndpoints['pg'];
  readonly http: { readonly url: string };
}

function readyLine(
  child: ReturnType<typeof execa>,
  withinMs: number,
  exited: Promise<string>,
  stderr: () => string,
): Promise<ReadyLine> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new StoreUnavailableError(`pgcache serve did not get ready within ${withinMs / 1000}s`, {
          hint: 'Run `pgcache serve` yourself to see why, or `pgcache doctor`.',
        }),
      );
    }, withinMs);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString('utf8');
      const end = out.indexOf('\n');
      if (end < 0) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      try {
        resolve(JSON.parse(out.slice(0, end)) as ReadyLine);
      } catch {
        child.kill('SIGKILL');
        reject(
          new StoreUnavailableError(
            `pgcache serve printed ${out.slice(0, 200)} instead of its ready line`,
            {
              hint: 'Run `pgcache serve --json` yourself to see why, or `pgcache doctor`.',
            },
          ),
        );
      }
    };
    child.stdout?.on('data', onData);
    void exited.then((how) => {
      clearTimeout(timer);
      reject(serveFailed(how, stderr()));
    });
  });
}

// serve --json reports its error as {"error": {code, message, hint, exitCode}} on stderr.
function serveFailed(how: string, stderr: string): Error {
  const last = stderr.trim().split('\n').at(-1) ?? '';
  try {
    const { error } = JSON.parse(last) as { error?: ConstructorParameters<typeof RemoteError>[0] };
    if (error !== undefined) return new RemoteError(error, 'the pgcache serve stress started');
  } catch {
    // not JSON: report the text
  }
  return new StoreUnavailableError(
    `pgcache serve ended (${how}) before it was ready: ${stderr.slice(0, 500)}`,
    { hint: 'Run `pgcache serve` yourself to see why, or `pgcache doctor`.' },
  );
}
