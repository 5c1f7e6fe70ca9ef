import type { CrashChildProcess } from './scenarios/crash-harness.js';
import type { StressWorkers } from './load/worker-protocol.js';

/** How to start `pgcache serve` for a run; the launcher adds free loopback ports and `--json`. */
export interface ServeLaunch {
  /** The embedded data directory; absent for a PostgreSQL server (its URL is in `env`). */
  readonly dataDir?: string | undefined;
  /** The config file the run was given, if any. */
  readonly configFile?: string | undefined;
  /** Settings for serve's environment, on top of the run's own environment. */
  readonly env: Readonly<Record<string, string>>;
  /** serve exits on its own this long after its last client (`1m`), should the run die first. */
  readonly idleExit: string;
}

/** A `pgcache serve` child process started for a run. */
export interface LaunchedServe {
  readonly pid: number;
  readonly httpUrl: string;
  /** Stop it (SIGTERM, then SIGKILL after a grace period); resolves once it is gone. */
  stop(): Promise<void>;
}

/** What the report says about the machine a run ran on. */
export interface MachineFacts {
  readonly hostname: string;
  /** `linux x64`. */
  readonly os: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryBytes: number;
  /** Load average over 1, 5 and 15 minutes when the run started (zeros where there is none). */
  readonly loadAverage: readonly number[];
  readonly node: string;
}

/**
 * The processes a stress run starts, and what it reads about the machine: the port through which
 * the core reaches the operating system (src/platform/stress-launcher.ts is the Node adapter;
 * tests may pass their own).
 */
export interface StressLauncher {
  startServe(launch: ServeLaunch): Promise<LaunchedServe>;
  /** `count` worker processes for `--processes`, each ready for plans. */
  startWorkers(count: number): Promise<StressWorkers>;
  /** The crash scenario's writer on `dataDir`; resolves once it acknowledged its first write. */
  startCrashChild(dataDir: string, prefix: string): Promise<CrashChildProcess>;
  machine(): MachineFacts;
}
