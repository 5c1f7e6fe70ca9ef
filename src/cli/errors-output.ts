import { ExitCode, type PgcacheError } from '../errors/index.js';
import { styles } from './terminal.js';

/** The text printed on stderr for an error: message, code and hint, never a stack trace. */
export function renderError(
  error: PgcacheError,
  options: { json: boolean; color: boolean; debug: boolean },
): string {
  if (options.json) return `${JSON.stringify({ error: error.toJSON() })}\n`;
  const s = styles(options.color);
  let text = `${s.red('error')} ${s.dim(`[${error.code}]`)} ${error.message}\n`;
  if (error.hint !== undefined) text += `${s.dim('hint:')} ${error.hint}\n`;
  if (options.debug && error.exitCode === ExitCode.Software) {
    const cause = error.cause instanceof Error ? error.cause : error;
    text += `${cause.stack ?? ''}\n`;
  }
  return text;
}
