import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../errors/index.js';
import { SETTINGS, type SettingSpec } from './settings.js';
import { MAP_KINDS } from './tier-config.js';

/** The config file pgcache reads from the working directory when none is named. */
export const CONFIG_FILE_NAME = 'pgcache.config.json';

/**
 * The config file to read: the one named (`--config`, `PGCACHE_CONFIG`), which must exist, or
 * `pgcache.config.json` in `cwd` when there is one.
 */
export function resolveConfigFile(cwd: string, explicit: string | undefined): string | undefined {
  if (explicit !== undefined && explicit !== '') {
    const path = resolve(cwd, explicit);
    if (!existsSync(path)) {
      throw new ConfigError(`config file ${path} does not exist`, {
        hint: 'Check the --config path or PGCACHE_CONFIG, or remove it to use defaults.',
      });
    }
    return path;
  }
  const path = resolve(cwd, CONFIG_FILE_NAME);
  return existsSync(path) ? path : undefined;
}

/**
 * The settings of the JSON config file at `path`, nested objects flattened into dotted keys
 * (`queue.waitTimeoutMs`) except for map settings; an unknown setting is refused (exit 78).
 */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`config file ${path} cannot be read: ${(error as Error).message}`, {
      hint: 'Point --config or PGCACHE_CONFIG at a readable JSON file.',
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(error as Error).message}`, {
      hint: 'Fix the JSON syntax, or move the file away to use defaults.',
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold a JSON object`, {
      hint: 'Write the settings as {"maxSizeBytes": "100MB", "queue": {"waitTimeoutMs": 2000}}.',
    });
  }
  const flat = flatten(parsed as Record<string, unknown>, MAP_SETTINGS);
  const known = new Set<string>(SETTINGS.map((s) => s.key));
  for (const key of Object.keys(flat)) {
    if (known.has(key)) continue;
    // `"queue": 5` names a group of settings, not one.
    const group = [...known].filter((k) => k.startsWith(`${key}.`));
    if (group.length > 0) {
      throw new ConfigError(`config file ${path}: "${key}" must be an object of settings`, {
        hint: `Write {"${key}": {…}} with any of ${group.join(', ')}.`,
      });
    }
    throw new ConfigError(`config file ${path} has an unknown setting "${key}"`, {
      hint: `Known settings: ${[...known].join(', ')}.`,
    });
  }
  return flat;
}

// Settings whose value is an object of their own (kept whole, not flattened into dotted keys).
const MAP_SETTINGS: ReadonlySet<string> = new Set(
  (SETTINGS as readonly SettingSpec[]).filter((s) => MAP_KINDS.has(s.kind)).map((s) => s.key),
);

function flatten(
  object: Record<string, unknown>,
  maps: ReadonlySet<string>,
  prefix = '',
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const nested = typeof value === 'object' && value !== null && !Array.isArray(value);
    if (nested && !maps.has(path)) {
      Object.assign(out, flatten(value as Record<string, unknown>, maps, path));
    } else {
      out[path] = value;
    }
  }
  return out;
}
