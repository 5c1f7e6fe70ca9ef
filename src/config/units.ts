const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/**
 * Parse a duration such as `250ms`, `5s`, `2m`, `2h` or `7d` into milliseconds. A bare number is
 * refused: `30` could mean seconds or milliseconds, so the caller must say.
 */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/i.exec(text);
  if (match === null) {
    const bare = /^\s*\d+(\.\d+)?\s*$/.test(text);
    throw new RangeError(
      bare
        ? `"${text}" has no unit; write it as ${text.trim()}ms, ${text.trim()}s, ${text.trim()}m, ${text.trim()}h or ${text.trim()}d`
        : `"${text}" is not a duration; use a number and a unit: 250ms, 5s, 2m, 2h, 7d`,
    );
  }
  const [, amount = '0', unit = 'ms'] = match;
  return Math.round(Number(amount) * (DURATION_UNITS[unit.toLowerCase()] ?? 1));
}

/** A TTL as text: a duration (`30s`, `7d`), or `0`, `never` or `none` for no expiry (0). */
export function parseTtl(text: string): number {
  const trimmed = text.trim();
  if (trimmed === '0' || trimmed === 'never' || trimmed === 'none') return 0;
  return parseDuration(trimmed);
}

/** Parse a byte size such as `512`, `64KB`, `100MB` or `1GiB` into bytes (a bare number is bytes). */
export function parseBytes(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match?.[2]?.toLowerCase() ?? '';
  const factor = unit === '' ? 1 : BYTE_UNITS[unit];
  if (match === null || factor === undefined) {
    throw new RangeError(`"${text}" is not a size; use bytes or a unit: 512KB, 100MB, 1GiB`);
  }
  return Math.round(Number(match[1]) * factor);
}

/** Format milliseconds the way a person writes them: `250ms`, `5s`, `2m`, `1h30m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)}s`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.slice(0, 2).join('');
}

/** Format a byte count with a binary unit: `512 B`, `1.5 KiB`, `100.0 MiB`. */
export function formatBytes(bytes: number): string {
  if (Math.abs(bytes) < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let index = 0;
  while (Math.abs(value) >= 1024 && index < units.length - 1) {
    value /= 1024;
    index += 1;
  }
  return `${value.toFixed(1)} ${units[index]}`;
}

/** `3m ago`, `in 20s` or `now` for a time relative to `now`; `never` for none. */
export function formatRelative(at: Date | string | null, now: number): string {
  if (at === null) return 'never';
  const ms = new Date(at).getTime() - now;
  if (Number.isNaN(ms)) return 'at an unknown time';
  if (Math.abs(ms) < 1000) return 'now';
  return ms > 0 ? `in ${formatDuration(ms)}` : `${formatDuration(-ms)} ago`;
}
