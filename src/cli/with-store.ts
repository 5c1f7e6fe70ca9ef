import {
  assertValidConfig,
  loadConfig,
  type LoadedConfig,
  type PgcacheConfig,
} from '../config/load-config.js';
import { StoreAccess } from '../control/store-access.js';
import type { Operation } from '../operations/operation.js';
import type { MigrationPolicy } from '../store/open-store.js';
import { Deadline } from '../resilience/deadline.js';
import type { CliContext } from './context.js';
import type { GlobalFlags } from './flags.js';
import { terminalFeatures, styles } from './terminal.js';

/** How a command wants its store opened. */
export interface CommandStoreOptions {
  /** The command's name, as the owner's figures list this process (`pgcache NAME`). */
  readonly command: string;
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
 * Reach the store for one command, run `fn` with it and the command's deadline, and close it
 * whatever happens. The command opens the store itself when nobody owns it, or goes through the
 * live owner's control socket (waiting its turn within the deadline).
 */
export async function withStore<T>(
  ctx: CliContext,
  flags: GlobalFlags,
  options: CommandStoreOptions,
  fn: (access: StoreAccess, deadline: Deadline, config: PgcacheConfig) => Promise<T>,
): Promise<T> {
  const config = assertValidConfig(commandConfig(ctx, flags, options.commandTimeoutMs));
  const deadline = Deadline.after(ctx.clock, config.timeoutMs);
  const access = await StoreAccess.open({
    open: {
      config,
      migrations: options.migrations ?? 'require',
      create: options.create ?? false,
      clock: ctx.clock,
      host: ctx.host,
      applicationName: `pgcache ${options.command}`,
      onWarning: (message) => warn(ctx, message),
    },
    openStore: ctx.openStore,
    clock: ctx.clock,
    host: ctx.host,
    deadline,
  });
  try {
    return await fn(access, deadline, config);
  } finally {
    await access.close();
  }
}

/**
 * Run one operation for a command where the store is owned (here, or through its owner);
 * `input` is built from the command's resolved configuration.
 */
export function runOperation<I, R>(
  ctx: CliContext,
  flags: GlobalFlags,
  options: CommandStoreOptions,
  operation: Operation<I, R>,
  input: (config: PgcacheConfig) => I,
): Promise<R> {
  return withStore(ctx, flags, options, (access, deadline, config) =>
    access.run(operation, input(config), deadline),
  );
}
