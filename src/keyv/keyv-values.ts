/**
 * Keyv hands its store the envelope `{ value, expires }` already serialized as text. pgcache keeps
 * it as JSON instead, `{"value":…,"expires":…}`, so that `pgcache get`, `list --where value.x=…`
 * and the value indexes see the data, and gives Keyv back the same data: the same text, except
 * that `jsonb` returns the keys of nested objects in its own order. Text that is not such an
 * envelope, or that JSON would change (another serializer's output, numbers JSON cannot hold
 * exactly, repeated keys), is kept as a JSON string, the form every entry had before, which reads
 * back unchanged.
 */
export function toStoredValue(serialized: unknown): unknown {
  if (typeof serialized !== 'string') return serialized;
  let parsed: unknown;
  try {
    parsed = JSON.parse(serialized);
  } catch {
    return serialized;
  }
  return isEnvelope(parsed) && JSON.stringify(parsed) === serialized ? parsed : serialized;
}

/** What Keyv reads for a stored value: an envelope's text again, anything else as stored. */
export function fromStoredValue(stored: unknown): unknown {
  return isEnvelope(stored) ? JSON.stringify(stored) : stored;
}

function isEnvelope(value: unknown): value is { value: unknown; expires?: number | null } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.includes('value') && keys.every((key) => key === 'value' || key === 'expires');
}
