import { formatDuration } from '../../config/units.js';

/** `in 29s`, `3m ago`, or `never` for a missing time, relative to `now`. */
export function relativeTime(at: Date | string | null, now: number): string {
  if (at === null) return 'never';
  const ms = new Date(at).getTime() - now;
  if (Math.abs(ms) < 1000) return 'now';
  return ms > 0 ? `in ${formatDuration(ms)}` : `${formatDuration(-ms)} ago`;
}
