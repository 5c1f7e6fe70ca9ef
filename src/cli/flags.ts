import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseBytes, parseDuration, parseTtl } from '../config/units.js';

/** Options every command accepts. */
export interface GlobalFlags {
  json?: boolean;
  dataDir?: string;
  databaseUrl?: string;
  config?: string;
  timeout?: number;
  operationTimeout?: number;
  queueWaitTimeout?: number;
}

/** A commander parser from `parse`: whatever it throws becomes a usage error (exit 2). */
export function argParser<T>(parse: (value: string) => T): (value: string) => T {
  return (value) => {
    try {
      return parse(value);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

/** Commander parser for durations (`250ms`, `5s`, `2m`, `7d`). */
export const durationArg = argParser(parseDuration);

/** Commander parser for sizes (`512KB`, `64MB`, bytes). */
export const bytesArg = argParser(parseBytes);

/** Commander parser for a TTL: a duration, or `0`/`never`/`none` for no expiry. */
export const ttlArg = argParser(parseTtl);

/** Commander parser for a whole number within `[min, max]`. */
export function integerArg(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`"${value}" is not a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

/** Add the options every command takes (they are accepted before or after the command name). */
export function addGlobalOptions(program: Command): Command {
  return program
    .option('--json', 'print one JSON document on stdout (errors as JSON on stderr)')
    .option('--data-dir <dir>', 'embedded data directory (env PGCACHE_DATA_DIR)', undefined)
    .addOption(
      new Option(
        '--database-url <url>',
        'use a PostgreSQL server instead (env PGCACHE_DATABASE_URL)',
      ),
    )
    .option('--config <file>', 'config file (default ./pgcache.config.json, env PGCACHE_CONFIG)')
    .option(
      '--timeout <duration>',
      'budget of the whole command, e.g. 30s (env PGCACHE_TIMEOUT)',
      durationArg,
    )
    .option(
      '--operation-timeout <duration>',
      'budget of one database attempt (env PGCACHE_OPERATION_TIMEOUT)',
      durationArg,
    )
    .option(
      '--queue-wait-timeout <duration>',
      'longest wait for a queue slot (env PGCACHE_QUEUE_WAIT_TIMEOUT)',
      durationArg,
    );
}
