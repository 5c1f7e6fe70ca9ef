import { arch, cpus, hostname, loadavg, totalmem, type } from 'node:os';
import { resolve } from 'node:path';
import process from 'node:process';
import type { MachineFacts, StressLauncher } from '../stress/launcher.js';

/** Where the processes a stress run starts take their environment and working directory from. */
export interface NodeStressLauncherOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/**
 * The stress launcher of a Node process: `pgcache serve` and the `--processes` workers through
 * execa (loaded only by the runs that start them), the crash scenario's writer, and what
 * `node:os` says about the machine.
 */
export function nodeStressLauncher(options: NodeStressLauncherOptions): StressLauncher {
  return {
    async startServe(launch) {
      const { startServeChild } = await import('./serve-child.js');
      const child = await startServeChild({
        cwd: options.cwd,
        args: [
          '--idle-exit',
          launch.idleExit,
          ...(launch.dataDir === undefined
            ? []
            : ['--data-dir', resolve(options.cwd, launch.dataDir)]),
          ...(launch.configFile === undefined
            ? []
            : ['--config', resolve(options.cwd, launch.configFile)]),
        ],
        env: { ...options.env, ...launch.env },
      });
      return {
        pid: child.pid,
        httpUrl: child.endpoints.http.url,
        stop: async () => void (await child.stop()),
      };
    },
    async startWorkers(count) {
      const { startStressWorkers } = await import('./stress-workers.js');
      return startStressWorkers(count, options);
    },
    async startCrashChild(dataDir, prefix) {
      const { startCrashChild } = await import('./crash-child-process.js');
      return startCrashChild(dataDir, prefix);
    },
    machine: nodeMachine,
  };
}

/** This machine, as the stress report shows it. */
export function nodeMachine(): MachineFacts {
  const cores = cpus();
  return {
    hostname: hostname(),
    os: `${type().toLowerCase()} ${arch()}`,
    cpus: cores.length,
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    memoryBytes: totalmem(),
    loadAverage: loadavg().map((n) => Math.round(n * 100) / 100),
    node: process.versions.node,
  };
}
