import process from 'node:process';
import { StoreUnavailableError } from '../errors/index.js';
import type { CrashChildProcess } from '../stress/scenarios/crash-harness.js';
import { builtPlatformScript } from './package-files.js';

/** How long a child may take to open the store and acknowledge its first write. */
const READY_WITHIN_MS = 60_000;

/** The built writer script (`dist/src/platform/crash-child.js`), also when running from sources. */
export function crashChildScript(): string {
  return builtPlatformScript(
    'crash-child.js',
    "the crash scenario's writer script",
    'Build pgcache first (`npm run build`), or leave out the crash-recovery scenario.',
  );
}

/**
 * Start the writer on `dataDir` with this Node binary; resolves once it has opened the store and
 * acknowledged its first write under `prefix`, so that a kill always lands while it writes.
 */
export async function startCrashChild(dataDir: string, prefix: string): Promise<CrashChildProcess> {
  const { execa } = await import('execa'); // only the crash scenario starts a child
  const child = execa(process.execPath, [crashChildScript(), dataDir, prefix], {
    reject: false,
    stdin: 'ignore',
    timeout: 10 * 60_000,
  });
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    let settled = false;
    const settle = (why?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      if (why === undefined) return resolve();
      child.kill('SIGKILL');
      reject(
        new StoreUnavailableError(`the crash scenario's writer ${why}`, {
          hint: 'Run `pgcache doctor`: a child process could not open the scratch copy of the store.',
        }),
      );
    };
    const timer = setTimeout(() => settle('did not acknowledge a write in time'), READY_WITHIN_MS);
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString('utf8');
      if (seen.startsWith('ready\n') && seen.includes('\nack ')) settle();
    };
    child.stdout?.on('data', onData);
    void child.then((result) =>
      settle(
        `exited before its first write (${result.signal ?? `exit ${result.exitCode}`}): ${result.stderr.slice(0, 300)}`,
      ),
    );
  });
  return {
    async kill() {
      child.kill('SIGKILL');
      const result = await child;
      const acknowledged = result.stdout
        .split('\n')
        .filter((line) => line.startsWith('ack '))
        .map((line) => line.slice(4));
      return { acknowledged, exit: result.signal ?? `exit ${result.exitCode}` };
    },
  };
}
