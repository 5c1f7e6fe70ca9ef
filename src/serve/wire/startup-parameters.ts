import type { ClientSession } from './client-session.js';

/**
 * The settings a client asks for in its startup packet (`options` -c pairs and other
 * parameters), leaving out those the session already has.
 */
export function startupSettings(
  params: Readonly<Record<string, string>>,
  baseline: Readonly<Record<string, string>>,
): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    if (
      ['user', 'database', 'options', 'replication', 'application_name'].includes(name) ||
      name.startsWith('_pq_.')
    )
      continue;
    settings[name] = value;
  }
  for (const [name, value] of optionSettings(params['options'] ?? '')) settings[name] = value;
  for (const [name, value] of Object.entries(settings)) {
    const current = Object.entries(baseline).find(
      ([n]) => n.toLowerCase() === name.toLowerCase(),
    )?.[1];
    if (
      current !== undefined &&
      current.toLowerCase().replace(/-/g, '') === value.toLowerCase().replace(/-/g, '')
    ) {
      delete settings[name];
    }
  }
  return settings;
}

// `-c name=value` and `--name=value` pairs of the `options` startup parameter (`\ ` escapes a space).
function optionSettings(options: string): [string, string][] {
  const words = options.match(/(?:\\.|[^\s\\])+/g)?.map((w) => w.replace(/\\(.)/g, '$1')) ?? [];
  const pairs: [string, string][] = [];
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i] ?? '';
    const pair =
      word === '-c' ? words[(i += 1)] : word.startsWith('--') ? word.slice(2) : undefined;
    const at = pair?.indexOf('=') ?? -1;
    if (pair !== undefined && at > 0)
      pairs.push([pair.slice(0, at).replace(/-/g, '_'), pair.slice(at + 1)]);
  }
  return pairs;
}

/**
 * The ParameterStatus values a client is told at startup: the session's, with its own settings
 * and application_name in their place.
 */
export function reportedParameters(
  baseline: Readonly<Record<string, string>>,
  session: ClientSession,
): Record<string, string> {
  const reported: Record<string, string> = { ...baseline };
  for (const name of Object.keys(baseline)) {
    const value = session.settings.values.get(name.toLowerCase());
    if (value !== undefined) reported[name] = value;
  }
  reported['application_name'] = session.client.applicationName ?? '';
  return reported;
}
