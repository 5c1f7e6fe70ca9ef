import type { OutputStream } from './context.js';

/** How output may be decorated on one stream. */
export interface TerminalFeatures {
  /** ANSI colours allowed. */
  readonly color: boolean;
  /** Spinners and in-place redraws allowed. */
  readonly interactive: boolean;
  /** Columns to lay out for (80 when unknown). */
  readonly columns: number;
}

/**
 * Decide colour and spinners ourselves (ora and cli-table3 do not): only on a real terminal with a
 * width, not under `CI`, `TERM=dumb` or `NO_COLOR`; `FORCE_COLOR` forces colour.
 */
export function terminalFeatures(
  stream: OutputStream,
  env: Readonly<Record<string, string | undefined>>,
): TerminalFeatures {
  const columns = stream.columns ?? 0;
  const set = (name: string): boolean =>
    env[name] !== undefined && env[name] !== '' && env[name] !== '0' && env[name] !== 'false';
  const interactive = stream.isTTY === true && columns > 0 && env['TERM'] !== 'dumb' && !set('CI');
  const color = set('FORCE_COLOR') || (interactive && !set('NO_COLOR'));
  return { color, interactive, columns: columns > 0 ? columns : 80 };
}

/** ANSI styles that collapse to plain text when colour is off. */
export function styles(
  color: boolean,
): Record<'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan', (text: string) => string> {
  const wrap = (open: number, close: number) => (text: string) =>
    color ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}
