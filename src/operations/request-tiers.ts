import type { PgcacheConfig } from '../config/load-config.js';
import { parseHeaderTemplates } from '../config/headers.js';
import { STRATEGY_NAMES, type StrategyName } from '../tiers/strategy-name.js';
import { openTieredCache } from '../tiers/open-tiered-cache.js';
import type { TieredCache } from '../tiers/tiered-cache.js';
import type { InputReader } from './input.js';
import type { OperationContext } from './operation.js';

/**
 * The caller's tiers for one operation: its origin, strategy and grace period (a command's
 * `--origin`, `--strategy`, `--grace`), sent with the operation so that the owner reads and writes
 * through the tiers the caller asked for. L1 starts empty, as in any short process.
 */
export interface TierSettings {
  readonly origin: PgcacheConfig['origin'];
  readonly strategy: StrategyName;
  readonly graceMs: number;
  /**
   * The variables `origin.headers` refer to, from the caller's environment (the control socket
   * is private to this user, as the environment is).
   */
  readonly env: Readonly<Record<string, string>>;
}

/** The tier settings of a resolved configuration, with the variables its headers refer to. */
export function tierSettings(
  config: PgcacheConfig,
  env: Readonly<Record<string, string | undefined>>,
): TierSettings {
  const referenced: Record<string, string> = {};
  for (const template of Object.values(config.origin.headers)) {
    for (const [, name = ''] of template.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
      const value = env[name];
      if (value !== undefined) referenced[name] = value;
    }
  }
  return {
    origin: config.origin,
    strategy: config.strategy,
    graceMs: config.graceMs,
    env: referenced,
  };
}

/** Read tier settings sent over the control socket. */
export function parseTierSettings(input: InputReader): TierSettings {
  const tiers = input.object('tiers');
  const origin = tiers.object('origin');
  const strategy = tiers.oneOf('strategy', STRATEGY_NAMES);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(tiers.object('env').raw)) {
    if (typeof value === 'string') env[name] = value;
  }
  return {
    origin: {
      url: origin.optionalString('url'),
      timeoutMs: origin.optionalNumber('timeoutMs') ?? 5000,
      softTimeoutMs: origin.optionalNumber('softTimeoutMs') ?? 1000,
      headers: parseHeaderTemplates(origin.raw['headers'] ?? {}),
    },
    strategy,
    graceMs: tiers.optionalNumber('graceMs') ?? 0,
    env,
  };
}

/**
 * Run `fn` with a tiered cache on the owner's store, set up with the caller's tiers (the owner's
 * own limits apply), and close it after: its counts reach the store's counters, and the origin
 * breaker's state is recorded.
 */
export async function withRequestTiers<T>(
  ctx: OperationContext,
  settings: TierSettings,
  fn: (cache: TieredCache) => Promise<T>,
): Promise<T> {
  const config: PgcacheConfig = {
    ...ctx.config,
    origin: settings.origin,
    strategy: settings.strategy,
    graceMs: settings.graceMs,
  };
  const cache = await openTieredCache(ctx.store, {
    config,
    env: settings.env,
    clock: ctx.clock,
    ...(ctx.onWarning === undefined ? {} : { onWarning: ctx.onWarning }),
  });
  try {
    return await fn(cache);
  } finally {
    await cache.close();
  }
}
