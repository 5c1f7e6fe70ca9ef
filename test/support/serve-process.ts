import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';

/** The built bin (tests that spawn it need `npm run build` first; `npm test` does it). */
export const BIN = join(import.meta.dirname, '../../bin/pgcache.js');

/** The `serve --json` ready line. */
export interface ReadyLine {
  readonly event: 'ready';
  readonly pid: number;
  readonly pg: { readonly host: string; readonly port: number };
  readonly http: { readonly url: string };
}

/** `pgcache serve` running as a child process, as a user starts it. */
export interface ServeProcess {
  readonly ready: ReadyLine;
  readonly child: ResultPromise;
  /** What it wrote on stderr so far. */
  stderr(): string;
}

/**
 * Run `pgcache ARGS` to completion (never rejects; a hang ends at the timeout, 60s unless
 * `timeout` says otherwise).
 */
export function pgcache(
  args: string[],
  options: { input?: string; env?: Record<string, string>; timeout?: number } = {},
) {
  return execa('node', [BIN, ...args], {
    reject: false,
    timeout: options.timeout ?? 60_000,
    ...(options.input === undefined ? {} : { input: options.input }),
    env: { NO_COLOR: '1', ...options.env },
  });
}

/** Start `pgcache serve --json` on `dataDir` (free ports) and wait for its ready line. */
export async function startServeProcess(
  dataDir: string,
  args: string[] = [],
): Promise<ServeProcess> {
  const child = execa(
    'node',
    [BIN, 'serve', '--data-dir', dataDir, '--pg-port', '0', '--http-port', '0', '--json', ...args],
    { reject: false, timeout: 120_000, env: { NO_COLOR: '1' } },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    void child.then((result) =>
      reject(new Error(`serve exited (${result.exitCode}) before it was ready: ${stderr}`)),
    );
  });
  return { ready: JSON.parse(line) as ReadyLine, child, stderr: () => stderr };
}
