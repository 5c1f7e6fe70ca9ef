import {
  assertValidConfig,
  loadConfig,
  type LoadedConfig,
  type PgcacheConfig,
} from '../config/load-config.js';
import type { MigrationPolicy } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { Deadline } from '../resilience/deadline.js';
import type { CliContext } from './context.js';
import type { GlobalFlags } from './flags.js';
import { terminalFeatures, styles } from './terminal.js';

/** How a command wants its store opened. */
export interface CommandStoreOptions {
  /** The command's budget when neither --timeout nor the config sets one. */
  readonly commandTimeoutMs: number;
  /** @default 'require' (every command but init and migrate refuses pending migrations) */
  readonly migrations?: MigrationPolicy;
  /** Create the store when there is none (only `init`). @default false */
  readonly create?: boolean;
}

/** Resolve the configuration for a command: flags > environment > config file > defaults. */
export function commandConfig(
  ctx: CliContext,
  flags: GlobalFlags,
  commandTimeoutMs: number,
): LoadedConfig {
  return loadConfig({
    flags: flags as Record<string, unknown>,
    env: ctx.env,
    cwd: ctx.cwd,
    configFile: flags.config,
    commandTimeoutMs,
  });
}

/** Print a warning on stderr (never on stdout, never under --json on stdout). */
export function warn(ctx: CliContext, message: string): void {
  const s = styles(terminalFeatures(ctx.stderr, ctx.env).color);
  ctx.stderr.write(`${s.yellow('warning')} ${message}\n`);
}

/**
 * Open the store for one command, run `fn` with it and the command's deadline, and close it
 * whatever happens (the lock is released, nothing keeps the process alive).
 */
export async function withStore<T>(
  ctx: CliContext,
  flags: GlobalFlags,
  options: CommandStoreOptions,
  fn: (store: Store, deadline: Deadline, config: PgcacheConfig) => Promise<T>,
): Promise<T> {
  const config = assertValidConfig(commandConfig(ctx, flags, options.commandTimeoutMs));
  const deadline = Deadline.after(ctx.clock, config.timeoutMs);
  const store = await ctx.openStore({
    config,
    migrations: options.migrations ?? 'require',
    create: options.create ?? false,
    clock: ctx.clock,
    host: ctx.host,
    onWarning: (message) => warn(ctx, message),
  });
  try {
    return await fn(store, deadline, config);
  } finally {
    await store.close();
  }
}
