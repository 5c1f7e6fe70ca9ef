import type { PgcacheConfig } from '../../config/load-config.js';
import { SETTINGS, type SettingKey, type SettingSpec } from '../../config/settings.js';
import { readLock } from '../../db/data-dir-lock.js';
import { StoreLockedError } from '../../errors/index.js';
import type { Host } from '../../platform/host.js';
import type { StressLauncher } from '../launcher.js';
import type { StoreTuning } from './load-source.js';
import type { ServeOwner } from './remote-source.js';

/** The `serve` a stress run goes through, and how the run lets go of it. */
export interface StressServe extends ServeOwner {
  /** Stop it if this run started it (a serve that was already running is left alone). */
  stop(): Promise<void>;
}

/** Settings given to the run as flags, which a serve it starts must use too. */
export interface ServeSettings {
  /** The config file the run was given (`--config`). */
  readonly configFile?: string | undefined;
  /** `--operation-timeout`, when given. */
  readonly operationTimeoutMs?: number | undefined;
  /** `--queue-wait-timeout`, when given. */
  readonly queueWaitTimeoutMs?: number | undefined;
}

/**
 * A serve started by `stress` exits on its own this long after its last client, should stress
 * itself be killed (SIGKILL) before it can stop it.
 */
export const SERVE_IDLE_EXIT = '1m';

/**
 * The live serving owner the data directory's lock advertises, if any (stress then goes through
 * it). A live owner that does not serve cannot be shared: E_STORE_LOCKED, as for any command.
 */
export function runningServe(config: PgcacheConfig, host: Host): StressServe | undefined {
  if (config.databaseUrl !== undefined) return undefined;
  const lock = readLock(config.dataDir, host);
  if (lock.state !== 'live') return undefined;
  const url = lock.owner.endpoints?.http?.url;
  if (url === undefined) {
    throw new StoreLockedError(
      `data directory ${config.dataDir} is owned by pid ${lock.owner.pid}, which does not serve it`,
      lock.owner,
      { hint: 'Stop that process, or run `pgcache serve` there, then run stress again.' },
    );
  }
  return {
    pid: lock.owner.pid,
    httpUrl: url,
    startedByRun: false,
    restart: () => Promise.resolve(),
    stop: () => Promise.resolve(),
  };
}

/**
 * Start `pgcache serve` on the configured store (the data directory, or the PostgreSQL server)
 * with the run's own configuration: its config file, and the timeouts given as flags, through
 * serve's environment; a scenario's tuning restarts it with that tuning on top.
 */
export async function startStressServe(
  launcher: StressLauncher,
  config: PgcacheConfig,
  settings: ServeSettings,
): Promise<StressServe> {
  const start = (tuning: StoreTuning | undefined) =>
    launcher.startServe({
      dataDir: config.databaseUrl === undefined ? config.dataDir : undefined,
      configFile: settings.configFile,
      env: { ...serveEnv(config, settings), ...tuningEnv(tuning) },
      idleExit: SERVE_IDLE_EXIT,
    });
  let child = await start(undefined);
  return {
    get pid() {
      return child.pid;
    },
    get httpUrl() {
      return child.httpUrl;
    },
    startedByRun: true,
    async restart(tuning) {
      await child.stop();
      child = await start(tuning);
    },
    stop: () => child.stop(),
  };
}

const envOf = (key: SettingKey): string => {
  const env = (SETTINGS as readonly SettingSpec[]).find((s) => s.key === key)?.env;
  if (env === undefined) throw new Error(`setting ${key} has no environment variable`);
  return env;
};

// Settings given to stress as flags reach serve through its environment (flags there would win
// over a scenario's tuning); the server URL goes there too, out of the process list.
function serveEnv(config: PgcacheConfig, settings: ServeSettings): Record<string, string> {
  const env: Record<string, string> = {};
  if (config.databaseUrl !== undefined) env[envOf('databaseUrl')] = config.databaseUrl;
  if (settings.operationTimeoutMs !== undefined) {
    env[envOf('operationTimeoutMs')] = `${settings.operationTimeoutMs}ms`;
  }
  if (settings.queueWaitTimeoutMs !== undefined) {
    env[envOf('queue.waitTimeoutMs')] = `${settings.queueWaitTimeoutMs}ms`;
  }
  return env;
}

/** A scenario's tuning as serve's environment (it wins over the config file, as tuning does in-process). */
export function tuningEnv(tuning: StoreTuning | undefined): Record<string, string> {
  const values: [SettingKey, number | undefined, string][] = [
    ['queue.readConcurrency', tuning?.queue?.readConcurrency, ''],
    ['queue.writeConcurrency', tuning?.queue?.writeConcurrency, ''],
    ['queue.maxLength', tuning?.queue?.maxLength, ''],
    ['queue.waitTimeoutMs', tuning?.queue?.waitTimeoutMs, 'ms'],
    ['retry.attempts', tuning?.retry?.attempts, ''],
    ['breaker.threshold', tuning?.breaker?.threshold, ''],
    ['breaker.halfOpenAfterMs', tuning?.breaker?.halfOpenAfterMs, 'ms'],
  ];
  return Object.fromEntries(
    values.flatMap(([key, value, unit]) =>
      value === undefined ? [] : [[envOf(key), `${value}${unit}`]],
    ),
  );
}
