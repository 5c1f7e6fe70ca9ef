import Table from 'cli-table3';
import type { TerminalFeatures } from '../terminal.js';

/**
 * Lay out rows as a table on a terminal (cli-table3, coloured only when allowed), or as
 * tab-separated lines when piped, so that scripts can cut columns.
 */
export function renderTable(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  term: TerminalFeatures,
): string {
  if (!term.interactive) {
    return [head, ...rows].map((row) => row.join('\t')).join('\n') + '\n';
  }
  const table = new Table({
    head: [...head],
    style: { head: term.color ? ['cyan'] : [], border: term.color ? ['grey'] : [] },
  });
  for (const row of rows) table.push([...row]);
  return `${table.toString()}\n`;
}

/** `key: value` lines, aligned (keys padded to at least `minWidth`), for piped output and summaries. */
export function renderPairs(pairs: readonly (readonly [string, string])[], minWidth = 0): string {
  const width = Math.max(minWidth, ...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v}`).join('\n') + '\n';
}
