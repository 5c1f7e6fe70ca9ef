/** Version of every `--json` document; fields are added freely, never renamed. */
export const JSON_SCHEMA_VERSION = 1;

/** Serialise one `--json` document (with `schemaVersion` first) and a newline. */
export function jsonDocument(body: Record<string, unknown>): string {
  return `${JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, ...body }, null, 2)}\n`;
}
