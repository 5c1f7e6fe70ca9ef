import process from 'node:process';
import { execa } from 'execa';
import { StoreUnavailableError } from '../errors/index.js';
import type {
  FromWorker,
  StressWorkers,
  ToWorker,
  WorkerChannel,
} from '../stress/load/worker-protocol.js';
import { builtPlatformScript } from './package-files.js';

/** How the workers are started. */
export interface StressWorkersOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** How long a worker may take to load. @default 60000 */
  readonly readyWithinMs?: number;
}

/**
 * Start `count` workers (`dist/src/platform/stress-worker.js` on this Node binary, each its own
 * process group so that a Ctrl-C reaches only the parent) and wait until each has said `ready`.
 */
export async function startStressWorkers(
  count: number,
  options: StressWorkersOptions,
): Promise<StressWorkers> {
  const script = builtPlatformScript('stress-worker.js', 'the stress worker script');
  const workers = Array.from({ length: count }, () => startWorker(script, options));
  const close = async (graceMs = 10_000): Promise<void> => {
    await Promise.all(workers.map((w) => w.close(graceMs)));
  };
  try {
    await Promise.all(workers.map((w) => w.ready(options.readyWithinMs ?? 60_000)));
  } catch (error) {
    await close(0);
    throw error;
  }
  return { channels: workers.map((w) => w.channel), close };
}

function startWorker(script: string, options: StressWorkersOptions) {
  const child = execa(process.execPath, [script], {
    cwd: options.cwd,
    env: { ...options.env },
    extendEnv: false,
    ipc: true,
    stdin: 'ignore',
    stdout: 'ignore',
    detached: true,
    reject: false,
    buffer: false,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 16 * 1024) stderr += chunk.toString('utf8');
  });
  const exited = child.then((r) => {
    const how = r.signal ?? `exit ${r.exitCode ?? '?'}`;
    return stderr === '' ? how : `${how}: ${stderr.trim().slice(0, 300)}`;
  });
  let handler: ((message: FromWorker) => void) | undefined;
  void (async () => {
    try {
      for await (const message of child.getEachMessage()) handler?.(message as FromWorker);
    } catch {
      // the worker is gone: `exited` says how
    }
  })();
  const channel: WorkerChannel = {
    pid: child.pid ?? 0,
    send: (message: ToWorker) => {
      child.sendMessage(message).catch(() => undefined);
    },
    onMessage: (h) => void (handler = h),
    exited,
  };
  return {
    channel,
    ready: (withinMs: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(workerFailed(`did not start within ${withinMs / 1000}s`)),
          withinMs,
        );
        handler = (message) => {
          if (message.type !== 'ready') return;
          clearTimeout(timer);
          resolve();
        };
        void exited.then((how) => {
          clearTimeout(timer);
          reject(workerFailed(`ended (${how}) before it was ready`));
        });
      }),
    async close(graceMs: number) {
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

function workerFailed(why: string): StoreUnavailableError {
  return new StoreUnavailableError(`a stress worker process ${why}`, {
    hint: 'Run `pgcache stress` without --processes to see whether the store itself works.',
  });
}
