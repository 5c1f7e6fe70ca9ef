import type { LoadedConfig, ResolvedSetting } from '../../config/load-config.js';
import { SETTINGS, type SettingSpec } from '../../config/settings.js';
import { formatBytes, formatDuration } from '../../config/units.js';
import { isPgcacheError } from '../../errors/index.js';
import { judge, problem, type Check, type Finding } from '../check.js';

/** Every setting's effective value and its source; invalid or contradictory values fail. */
export const configCheck: Check = {
  id: 'config',
  title: 'configuration: values, sources and the timeout hierarchy',
  run(ctx) {
    const loaded = ctx.deps.config;
    if (isPgcacheError(loaded)) {
      return Promise.resolve(
        problem('fail', loaded.message, loaded.hint ?? 'Fix the configuration and run again.'),
      );
    }
    const findings: Finding[] = loaded.problems.map((p) => ({
      status: 'fail',
      detail: p.message,
      fix: p.hint,
    }));
    const { maxEntryBytes, maxSizeBytes } = loaded.config;
    if (maxEntryBytes > maxSizeBytes) {
      findings.push({
        status: 'warn',
        detail: `maxEntryBytes (${formatBytes(maxEntryBytes)}) is above maxSizeBytes (${formatBytes(maxSizeBytes)}): one entry can fill the store`,
        fix: 'Lower maxEntryBytes (PGCACHE_MAX_ENTRY_BYTES) or raise maxSizeBytes (PGCACHE_MAX_SIZE).',
      });
    }
    const data = {
      configFile: loaded.configFile ?? null,
      settings: loaded.settings.map((s) => ({
        key: s.key,
        value: shown(s) ?? null,
        source: s.source,
        origin: s.origin,
      })),
    };
    return Promise.resolve(judge(describeSettings(loaded), findings, data));
  },
};

// `flag: timeoutMs=1m (--timeout); env: …; default: dataDir=/srv/.pgcache, …`
function describeSettings(loaded: LoadedConfig): string {
  const groups = new Map<string, string[]>();
  for (const setting of loaded.settings) {
    const label = setting.source === 'file' ? `file ${setting.origin}` : setting.source;
    const origin =
      setting.source === 'flag' || setting.source === 'env' ? ` (${setting.origin})` : '';
    const text = `${setting.key}=${formatted(setting)}${origin}`;
    groups.set(label, [...(groups.get(label) ?? []), text]);
  }
  const order = [
    'flag',
    'env',
    ...[...groups.keys()].filter((k) => k.startsWith('file')),
    'default',
  ];
  return [...new Set(order)]
    .filter((label) => groups.has(label))
    .map((label) => `${label}: ${groups.get(label)?.join(', ')}`)
    .join('; ');
}

// The loader already hid what must not be shown; objects (map settings) print as JSON.
function shown(setting: ResolvedSetting): string | number | undefined {
  const { value } = setting;
  return typeof value === 'object' ? JSON.stringify(value) : value;
}

function formatted(setting: ResolvedSetting): string {
  const value = shown(setting);
  if (value === undefined) return 'unset';
  if (typeof value === 'string') return value;
  const spec = (SETTINGS as readonly SettingSpec[]).find((s) => s.key === setting.key);
  switch (spec?.kind) {
    case 'duration':
      return setting.key === 'defaultTtlMs' && value === 0 ? 'never' : formatDuration(value);
    case 'bytes':
      return formatBytes(value);
    case 'percent':
      return `${value}%`;
    default:
      return String(value);
  }
}
