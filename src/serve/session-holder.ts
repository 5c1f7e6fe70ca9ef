import type { SessionHolder } from '../operations/live-figures.js';
import type { WireClient } from './wire-scheduler.js';

/** Longest statement text kept for figures. */
const STATEMENT_CHARS = 200;

/**
 * The SQL text of a simple query (`Q`) or of a statement being prepared (`P`), shortened;
 * undefined for any other message.
 */
export function statementOf(message: Uint8Array): string | undefined {
  const type = message[0];
  if (type !== 0x51 && type !== 0x50) return undefined;
  let at = 5;
  // Parse: name\0 query\0 …; Query: query\0.
  if (type === 0x50) at = message.indexOf(0, at) + 1;
  const end = message.indexOf(0, at);
  if (at <= 0 || end < 0) return undefined;
  const text = Buffer.from(message.subarray(at, end))
    .toString('utf8')
    .replace(/\s+/g, ' ')
    .replace(/[\s;]+$/, '')
    .trim();
  return text.length > STATEMENT_CHARS ? `${text.slice(0, STATEMENT_CHARS - 1)}…` : text;
}

/** The figures of the client holding the session, from the scheduler's view of it. */
export function sessionHolder(
  client: WireClient,
  held: { readonly since: number; readonly running: boolean },
  now: number,
): SessionHolder {
  return {
    clientId: client.id,
    applicationName: client.applicationName ?? null,
    user: client.user ?? null,
    address: client.address,
    state: held.running ? 'active' : 'idle in transaction',
    heldMs: Math.max(0, now - held.since),
    statement: client.statement ?? null,
  };
}
