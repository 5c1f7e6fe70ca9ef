import { redactUrl } from '../config/redact-url.js';

export { redactUrl };
import type { ParsedKey } from '../store/keys.js';

/** The placeholders an origin URL template may use. */
export const ORIGIN_PLACEHOLDERS = ['key', 'kind', 'framework', 'name', 'namespace'] as const;

const PLACEHOLDER = /\{([^{}]*)\}/g;

/**
 * Check an origin URL template (`https://host/{framework}/{name}.json`): http or https, and only
 * the {@link ORIGIN_PLACEHOLDERS}. Throws a `RangeError` saying what is wrong.
 */
export function checkOriginTemplate(template: string): string {
  for (const [, name] of template.matchAll(PLACEHOLDER)) {
    if (!(ORIGIN_PLACEHOLDERS as readonly string[]).includes(name ?? ''))
      throw new RangeError(
        `unknown placeholder {${name}}; use ${ORIGIN_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
      );
  }
  let url: URL;
  try {
    url = new URL(template.replace(PLACEHOLDER, 'x'));
  } catch {
    throw new RangeError(`"${redactUrl(template)}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new RangeError(`"${redactUrl(template)}" is not an http:// or https:// URL`);
  return template;
}

/** The origin URL of one key: each placeholder replaced by its URL-encoded part of the key. */
export function originUrl(template: string, key: ParsedKey): string {
  const parts: Record<string, string> = {
    key: key.key,
    kind: key.kind,
    framework: key.framework ?? '',
    name: key.name,
    namespace: key.namespace ?? '',
  };
  return template.replace(PLACEHOLDER, (_, name: string) => encodeURIComponent(parts[name] ?? ''));
}
