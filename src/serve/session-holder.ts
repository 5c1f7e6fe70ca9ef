import type { SessionHolder } from '../operations/live-figures.js';
import type { WireSessionHolder } from './wire/wire-job.js';

/** The figures of the client holding the session, from the scheduler's snapshot of it. */
export function sessionHolder(held: WireSessionHolder, now: number): SessionHolder {
  return {
    clientId: held.clientId,
    applicationName: held.applicationName,
    user: held.user,
    address: held.address,
    state: held.state,
    heldMs: Math.max(0, now - Date.parse(held.since)),
    // As a person would quote it: no trailing semicolon.
    statement: held.statement.replace(/[\s;]+$/, '') || null,
  };
}
