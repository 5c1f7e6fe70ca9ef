/** Request headers as configured: values may refer to environment variables as `${NAME}`. */
export type HeaderTemplates = Readonly<Record<string, string>>;

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Read the `origin.headers` setting; throws a `RangeError` naming what is wrong. */
export function parseHeaderTemplates(raw: unknown): HeaderTemplates {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new RangeError('expected an object of header: value');
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (!HEADER_NAME.test(name)) throw new RangeError(`"${name}" is not a header name`);
    if (typeof value !== 'string') throw new RangeError(`header ${name} must be a string`);
    out[name] = value;
  }
  return out;
}

/**
 * The headers with every `${NAME}` replaced from `env`. A variable that is not set throws a
 * `RangeError` naming it (never a value). The result holds secrets: never print or log it.
 */
export function expandHeaders(
  templates: HeaderTemplates,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, template] of Object.entries(templates)) {
    out[name] = template.replace(REFERENCE, (_, variable: string) => {
      const value = env[variable];
      if (value === undefined || value === '')
        throw new RangeError(`header ${name} refers to \${${variable}}, which is not set`);
      return value;
    });
  }
  return out;
}

/**
 * The headers as they may be shown (`doctor`, messages): names kept, values replaced by `***`
 * plus the variables they are read from, e.g. `*** (from ${GITHUB_TOKEN})`.
 */
export function redactHeaders(templates: HeaderTemplates): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, template] of Object.entries(templates)) {
    const refs = [...template.matchAll(REFERENCE)].map((m) => m[0]);
    out[name] = refs.length === 0 ? '***' : `*** (from ${refs.join(', ')})`;
  }
  return out;
}
