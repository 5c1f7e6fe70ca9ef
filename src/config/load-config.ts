import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../errors/index.js';
import { DEFAULT_QUEUE_MAX_BYTES } from '../resilience/bulkhead-options.js';
import { readConfigFile, resolveConfigFile } from './config-file.js';
import { redactUrl } from './redact-url.js';
import { redactHeaders } from './headers.js';
import { SETTINGS, type SettingKey, type SettingSpec } from './settings.js';
import {
  parseTierKind,
  readTierConfig,
  TIER_DEFAULTS,
  tierProblems,
  type TierConfig,
} from './tier-config.js';
import { formatDuration, parseBytes, parseDuration } from './units.js';
import { indexPaths, parseIndexPaths } from '../store/value-indexes.js';

/** A setting's value: text, a number, or an object for map settings (`namespaces`, `origin.headers`). */
export type SettingValue = string | number | Readonly<Record<string, unknown>>;

/** Where an effective setting came from. */
export type SettingSource = 'flag' | 'env' | 'file' | 'default';

/** One setting's effective value and its origin, for `doctor` and error messages. */
export interface ResolvedSetting {
  readonly key: SettingKey;
  /**
   * The value as it may be shown: a secret is `***`, a URL without its password, and the values
   * of `origin.headers` redacted.
   */
  readonly value: SettingValue | undefined;
  readonly source: SettingSource;
  /** The flag, variable or file it came from, e.g. `--timeout` or `PGCACHE_TIMEOUT`. */
  readonly origin: string;
  readonly description: string;
}

/** The resolved configuration every part of pgcache reads. */
export interface PgcacheConfig extends TierConfig {
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly defaultTtlMs: number;
  /** JSON paths with an index of their own (`*`: the GIN index over every value). */
  readonly indexes: readonly string[];
  readonly maxEntryBytes: number;
  readonly maxSizeBytes: number;
  readonly lowWaterPercent: number;
  readonly timeoutMs: number;
  readonly operationTimeoutMs: number;
  readonly queue: {
    readonly waitTimeoutMs: number;
    readonly readConcurrency: number;
    readonly writeConcurrency: number;
    /** Opt-in fast rejection by count; unset, waiting calls are bound by `maxBytes`. */
    readonly maxLength: number | undefined;
    readonly maxBytes: number;
  };
  readonly retry: {
    readonly attempts: number;
    readonly baseDelayMs: number;
    readonly maxDelayMs: number;
  };
  readonly breaker: { readonly threshold: number; readonly halfOpenAfterMs: number };
  readonly pool: { readonly size: number };
  readonly serve: {
    readonly host: string;
    readonly pgPort: number;
    readonly httpPort: number;
    readonly socket: string | undefined;
    readonly token: string | undefined;
    readonly maxConnections: number;
    readonly idleTransactionTimeoutMs: number;
    readonly hangTimeoutMs: number;
    readonly maxCopyBytes: number;
    readonly idleExitMs: number;
    readonly outboxFlushMs: number;
  };
}

/** A configuration that loaded but breaks a rule (for example the timeout hierarchy). */
export interface ConfigProblem {
  readonly message: string;
  readonly hint: string;
}

/** The outcome of {@link loadConfig}. */
export interface LoadedConfig {
  readonly config: PgcacheConfig;
  readonly settings: readonly ResolvedSetting[];
  /** The config file that was read, if any. */
  readonly configFile: string | undefined;
  /** Rules the values break; {@link assertValidConfig} turns the first into an error. */
  readonly problems: readonly ConfigProblem[];
}

/** Inputs of {@link loadConfig}; the CLI passes the process's, tests pass their own. */
export interface LoadConfigOptions {
  /** Parsed flag values keyed by commander attribute name (already in ms / bytes). */
  readonly flags?: Readonly<Record<string, unknown>>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths and the default config file are resolved against. */
  readonly cwd: string;
  /** An explicit config file (`--config`); otherwise `pgcache.config.json` in `cwd` when present. */
  readonly configFile?: string | undefined;
  /** The command's own budget, used when no timeout is configured. @default 30000 */
  readonly commandTimeoutMs?: number;
  /** Values by config-file key that win over everything (a library caller's options). */
  readonly overrides?: Readonly<Partial<Record<SettingKey, SettingValue>>>;
  /** Look for `pgcache.config.json` in `cwd` when no file is named. @default true */
  readonly readConfigFile?: boolean;
}

/** The name of the config file looked up in the working directory. */
const DEFAULTS: Partial<Record<SettingKey, SettingValue>> = {
  dataDir: '.pgcache',
  defaultTtlMs: 86_400_000,
  maxEntryBytes: 1024 * 1024,
  maxSizeBytes: 100 * 1024 * 1024,
  lowWaterPercent: 90,
  'queue.readConcurrency': 10,
  'queue.writeConcurrency': 5,
  'queue.maxBytes': DEFAULT_QUEUE_MAX_BYTES,
  'retry.attempts': 3,
  'retry.baseDelayMs': 20,
  'retry.maxDelayMs': 1000,
  'breaker.threshold': 5,
  'breaker.halfOpenAfterMs': 30_000,
  'pool.size': 10,
  'serve.host': '127.0.0.1',
  'serve.pgPort': 0,
  'serve.httpPort': 0,
  'serve.maxConnections': 100,
  'serve.idleTransactionTimeoutMs': 2000,
  'serve.hangTimeoutMs': 30_000,
  'serve.maxCopyBytes': 64 * 1024 * 1024,
  'serve.idleExitMs': 0,
  'serve.outboxFlushMs': 1000,
  ...TIER_DEFAULTS,
};

/**
 * Resolve every setting with the precedence flag > environment > config file > default and check
 * the rules between them. Values that cannot be read throw {@link ConfigError}; rules that are
 * broken are returned in `problems`.
 */
export function loadConfig(options: LoadConfigOptions): LoadedConfig {
  const { flags = {}, env = {}, cwd } = options;
  const explicitFile = options.configFile ?? env['PGCACHE_CONFIG'];
  const configFile =
    options.readConfigFile === false ? undefined : resolveConfigFile(cwd, explicitFile);
  const file = configFile === undefined ? {} : readConfigFile(configFile);
  const resolved = new Map<SettingKey, ResolvedSetting>();
  for (const spec of SETTINGS as readonly SettingSpec[]) {
    const override = options.overrides?.[spec.key as SettingKey];
    resolved.set(
      spec.key as SettingKey,
      override === undefined
        ? resolveOne(spec, flags, env, file, configFile)
        : {
            key: spec.key as SettingKey,
            description: spec.description,
            value: readValue(spec, override, 'options'),
            source: 'flag',
            origin: 'options',
          },
    );
  }
  deriveDefaults(resolved, options.commandTimeoutMs ?? 30_000);
  const value = <T extends SettingValue | undefined>(key: SettingKey): T =>
    resolved.get(key)?.value as T;
  const dataDir = value<string>('dataDir');
  const config: PgcacheConfig = {
    dataDir: isAbsolute(dataDir) ? dataDir : resolve(cwd, dataDir),
    databaseUrl: value<string | undefined>('databaseUrl'),
    defaultTtlMs: value('defaultTtlMs'),
    indexes: indexPaths(value<string | undefined>('indexes')),
    maxEntryBytes: value('maxEntryBytes'),
    maxSizeBytes: value('maxSizeBytes'),
    lowWaterPercent: value('lowWaterPercent'),
    timeoutMs: value('timeoutMs'),
    operationTimeoutMs: value('operationTimeoutMs'),
    queue: {
      waitTimeoutMs: value('queue.waitTimeoutMs'),
      readConcurrency: value('queue.readConcurrency'),
      writeConcurrency: value('queue.writeConcurrency'),
      maxLength: value<number | undefined>('queue.maxLength'),
      maxBytes: value('queue.maxBytes'),
    },
    retry: {
      attempts: value('retry.attempts'),
      baseDelayMs: value('retry.baseDelayMs'),
      maxDelayMs: value('retry.maxDelayMs'),
    },
    breaker: {
      threshold: value('breaker.threshold'),
      halfOpenAfterMs: value('breaker.halfOpenAfterMs'),
    },
    pool: { size: value('pool.size') },
    serve: {
      host: value('serve.host'),
      pgPort: value('serve.pgPort'),
      httpPort: value('serve.httpPort'),
      socket: optionalPath(value<string | undefined>('serve.socket'), cwd),
      token: value<string | undefined>('serve.token') || undefined,
      maxConnections: value('serve.maxConnections'),
      idleTransactionTimeoutMs: value('serve.idleTransactionTimeoutMs'),
      hangTimeoutMs: value('serve.hangTimeoutMs'),
      maxCopyBytes: value('serve.maxCopyBytes'),
      idleExitMs: value('serve.idleExitMs'),
      outboxFlushMs: value('serve.outboxFlushMs'),
    },
    ...readTierConfig(value),
  };
  const settings = [...resolved.values()].map((s) => ({ ...s, value: shownValue(s, config) }));
  return { config, settings, configFile, problems: checkConfig(config, resolved) };
}

function shownValue(setting: ResolvedSetting, config: PgcacheConfig): SettingValue | undefined {
  const { key, value } = setting;
  const spec = (SETTINGS as readonly SettingSpec[]).find((s) => s.key === key);
  if (value === undefined) return undefined;
  if (spec?.secret === true) return '***';
  if (key === 'origin.headers') return redactHeaders(config.origin.headers);
  const url = spec?.kind === 'url' || spec?.kind === 'origin-url';
  return url && typeof value === 'string' ? redactUrl(value) : value;
}

function optionalPath(path: string | undefined, cwd: string): string | undefined {
  if (path === undefined || path === '') return undefined;
  return isAbsolute(path) ? path : resolve(cwd, path);
}

/** Throw the first problem of a loaded configuration as a {@link ConfigError} (exit 78). */
export function assertValidConfig(loaded: LoadedConfig): PgcacheConfig {
  const [problem] = loaded.problems;
  if (problem !== undefined) throw new ConfigError(problem.message, { hint: problem.hint });
  return loaded.config;
}

function resolveOne(
  spec: SettingSpec,
  flags: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
  file: Record<string, unknown>,
  configFile: string | undefined,
): ResolvedSetting {
  const base = { key: spec.key as SettingKey, description: spec.description };
  const flagValue = spec.flag === undefined ? undefined : flags[spec.flag];
  if (flagValue !== undefined) {
    const origin = `--${spec.flag?.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    return { ...base, value: readValue(spec, flagValue, origin), source: 'flag', origin };
  }
  const envValue = spec.env === undefined ? undefined : env[spec.env];
  if (envValue !== undefined && envValue !== '') {
    return {
      ...base,
      value: readValue(spec, envValue, spec.env ?? ''),
      source: 'env',
      origin: spec.env ?? '',
    };
  }
  if (file[spec.key] !== undefined && configFile !== undefined) {
    return {
      ...base,
      value: readValue(spec, file[spec.key], configFile),
      source: 'file',
      origin: configFile,
    };
  }
  return { ...base, value: DEFAULTS[spec.key as SettingKey], source: 'default', origin: 'default' };
}

function readValue(spec: SettingSpec, raw: unknown, origin: string): SettingValue {
  const fail = (why: string): never => {
    throw new ConfigError(`${spec.key} from ${origin}: ${why}`, {
      hint: `Set ${spec.key} to a valid value (${spec.description}).`,
    });
  };
  let value: SettingValue;
  try {
    value = parseKind(spec.kind, raw);
  } catch (error) {
    // A secret's value never appears in a message, not even a malformed one.
    return fail(spec.secret === true ? 'not a valid value (not shown)' : (error as Error).message);
  }
  if (typeof value === 'number') {
    if (spec.min !== undefined && value < spec.min)
      fail(`${value} is below the minimum ${spec.min}`);
    if (spec.max !== undefined && value > spec.max)
      fail(`${value} is above the maximum ${spec.max}`);
  }
  return value;
}

function parseKind(kind: SettingSpec['kind'], raw: unknown): SettingValue {
  const tier = parseTierKind(kind, raw);
  if (tier !== undefined) return tier;
  if (kind === 'paths') return parseIndexPaths(raw);
  const numeric =
    kind === 'duration' || kind === 'bytes' || kind === 'integer' || kind === 'percent';
  if (typeof raw === 'number') {
    if (!numeric) throw new TypeError(`expected a string, got ${raw}`);
    if (!Number.isFinite(raw)) throw new RangeError(`${raw} is not a finite number`);
    if ((kind === 'integer' || kind === 'bytes') && !Number.isInteger(raw))
      throw new RangeError(`${raw} is not a whole number`);
    return raw;
  }
  if (typeof raw !== 'string')
    throw new TypeError(`expected a string or a number, got ${JSON.stringify(raw)}`);
  switch (kind) {
    case 'duration':
      return parseDuration(raw);
    case 'bytes':
      return parseBytes(raw);
    case 'integer':
    case 'percent': {
      const digits = raw.trim().replace(/%$/, '');
      // Decimal digits only: Number() would also take 0x10, 1e3 or an empty string.
      if (!/^-?\d+$/.test(digits)) throw new RangeError(`"${raw}" is not a whole number`);
      return Number(digits);
    }
    case 'url':
      if (!/^postgres(ql)?:\/\//.test(raw) || !URL.canParse(raw))
        throw new RangeError(`"${redactUrl(raw)}" is not a postgres:// URL`);
      return raw;
    case 'path':
    case 'string':
    default: // the tier kinds and paths were read above
      return raw;
  }
}

function deriveDefaults(
  resolved: Map<SettingKey, ResolvedSetting>,
  commandTimeoutMs: number,
): void {
  const derive = (key: SettingKey, value: number, why: string): void => {
    const current = resolved.get(key);
    if (current?.source === 'default' && current.value === undefined) {
      resolved.set(key, { ...current, value, origin: why });
    }
  };
  derive('timeoutMs', commandTimeoutMs, 'default for this command');
  const timeout = resolved.get('timeoutMs')?.value as number;
  derive(
    'operationTimeoutMs',
    Math.max(1, Math.min(5000, Math.floor(timeout * 0.25))),
    'default (25% of timeoutMs, at most 5s)',
  );
  // A burst queues for as long as the budget allows: what the attempts leave of it.
  const attempts = resolved.get('retry.attempts')?.value as number;
  const operationTimeoutMs = resolved.get('operationTimeoutMs')?.value as number;
  derive(
    'queue.waitTimeoutMs',
    Math.max(1, timeout - attempts * operationTimeoutMs),
    'default (timeoutMs − retry.attempts × operationTimeoutMs)',
  );
}

function checkConfig(
  config: PgcacheConfig,
  resolved: Map<SettingKey, ResolvedSetting>,
): ConfigProblem[] {
  const show = (key: SettingKey, value: number, format = formatDuration): string => {
    const setting = resolved.get(key);
    return `${key} (${format(value)}, from ${setting?.origin ?? 'default'})`;
  };
  const problems: ConfigProblem[] = [];
  const { timeoutMs, operationTimeoutMs, queue, retry } = config;
  if (operationTimeoutMs >= timeoutMs) {
    problems.push({
      message: `${show('operationTimeoutMs', operationTimeoutMs)} must be shorter than ${show('timeoutMs', timeoutMs)}`,
      hint: `Lower --operation-timeout below ${formatDuration(timeoutMs)} or raise --timeout above ${formatDuration(operationTimeoutMs)}.`,
    });
  }
  const inner = queue.waitTimeoutMs + retry.attempts * operationTimeoutMs;
  if (inner > timeoutMs) {
    problems.push({
      message:
        `${show('queue.waitTimeoutMs', queue.waitTimeoutMs)} + retry.attempts (${retry.attempts}) × ` +
        `${show('operationTimeoutMs', operationTimeoutMs)} = ${formatDuration(inner)} does not fit in ` +
        `${show('timeoutMs', timeoutMs)}`,
      hint: `Raise --timeout to at least ${formatDuration(inner)}, or lower the queue wait, the attempts or the operation timeout.`,
    });
  }
  problems.push(...tierProblems(config, (key, value) => show(key, value)));
  if (retry.baseDelayMs > retry.maxDelayMs) {
    problems.push({
      message: `${show('retry.baseDelayMs', retry.baseDelayMs)} is above ${show('retry.maxDelayMs', retry.maxDelayMs)}`,
      hint: 'Make retry.baseDelayMs at most retry.maxDelayMs.',
    });
  }
  return problems;
}
