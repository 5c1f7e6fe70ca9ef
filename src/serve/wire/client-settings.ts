import { dataRowOf, errorFieldsOf, framesOf, queryMessage } from './protocol-codec.js';
import {
  parseDurationMs,
  type EnforcedTimeout,
  type StatementEffects,
} from './statement-policy.js';

/** Sends messages on the session for one client; `keep` holds the session for it afterwards. */
export type SessionSend = (message: Uint8Array, keep: boolean) => Promise<Uint8Array>;

// Everything a client set for its session, as the server sees it (schema-qualified: the client's
// search_path is in effect when this runs).
const CAPTURE = queryMessage(
  `SELECT name, setting FROM pg_catalog.pg_settings WHERE source = 'session'`,
);
const RESET_ALL = 'RESET ALL';
const DISCARD_TEMP = 'DISCARD TEMP';

/**
 * One wire client's session settings. The session is shared, so a client's settings are on it
 * only while it runs: re-applied (`set_config`) before its statements when another client or the
 * store used the session since, read back from `pg_settings` after a transaction that changed
 * them, and reset (`RESET ALL`) when its transaction ends, so that nobody else sees them.
 * `statement_timeout` and `idle_in_transaction_session_timeout` are enforced by serve itself
 * (PGlite has no timers), from the value the client set.
 */
export class ClientSettings {
  /** Name (lower case) → value (`pg_settings.setting`) of what the client set for its session. */
  readonly values = new Map<string, string>();
  /** Its settings are on the session now. */
  #applied = false;
  /** It ran something that may have changed settings since they were last read back. */
  #touched = false;
  /** It ran something that names temporary objects. */
  #temp = false;
  readonly #session = new Map<EnforcedTimeout, number>();
  readonly #local = new Map<EnforcedTimeout, number>();

  /** `values` from startup parameters: they are applied and read back like a SET. */
  constructor(initial: Readonly<Record<string, string>> = {}) {
    for (const [name, value] of Object.entries(initial)) this.values.set(name.toLowerCase(), value);
    this.#touched = this.values.size > 0;
    this.#readTimeouts();
  }

  /** `statement_timeout` in effect for the client (0: none). */
  get statementTimeoutMs(): number {
    return this.#timeout('statement_timeout');
  }

  /** `idle_in_transaction_session_timeout` in effect for the client (0: none). */
  get idleInTransactionMs(): number {
    return this.#timeout('idle_in_transaction_session_timeout');
  }

  /** True when something must be undone on the session once the client's transaction ends. */
  get needsReset(): boolean {
    return this.#applied || this.#touched || this.#temp;
  }

  /** Record what a statement of the client is about to do. */
  note(effects: StatementEffects): void {
    if (effects.settings) this.#touched = true;
    if (effects.temp) this.#temp = true;
    if (effects.resetAll === true) {
      this.#session.clear();
      this.#local.clear();
    }
    const timeout = effects.timeout;
    if (timeout === undefined) return;
    const scope = timeout.scope === 'local' ? this.#local : this.#session;
    if (timeout.ms === null) scope.delete(timeout.name);
    else scope.set(timeout.name, timeout.ms);
  }

  /** Forget what the client's last transaction set with SET LOCAL. */
  endTransaction(): void {
    this.#local.clear();
  }

  /**
   * Put the client's settings on the session, unless they are on it already. Returns the fields
   * of the error the server gave, if any (a startup parameter it does not know).
   */
  async enter(send: SessionSend): Promise<Record<string, string> | undefined> {
    if (this.#applied || this.values.size === 0) return undefined;
    const calls = [...this.values].map(
      ([name, value]) => `pg_catalog.set_config(${literal(name)}, ${literal(value)}, false)`,
    );
    this.#applied = true;
    const answer = await send(queryMessage(`SELECT ${calls.join(', ')}`), true);
    const error = framesOf(answer).find((frame) => frame.type === 'E');
    return error === undefined ? undefined : errorFieldsOf(answer, error);
  }

  /**
   * After the client's transaction: read its settings back when it may have changed them, then
   * reset the session (that last message releases it).
   */
  async leave(send: SessionSend): Promise<void> {
    if (this.#touched) {
      const answer = await send(CAPTURE, true);
      this.values.clear();
      for (const frame of framesOf(answer)) {
        if (frame.type !== 'D') continue;
        const [name, value] = dataRowOf(answer, frame);
        if (name !== null && name !== undefined) this.values.set(name.toLowerCase(), value ?? '');
      }
      this.#readTimeouts();
    }
    const reset = [
      ...(this.#applied || this.#touched ? [RESET_ALL] : []),
      ...(this.#temp ? [DISCARD_TEMP] : []),
    ];
    this.#applied = this.#touched = this.#temp = false;
    if (reset.length > 0) await send(queryMessage(reset.join('; ')), false);
  }

  /** Forget every setting (DISCARD ALL); the session is reset when the client's turn ends. */
  discard(): void {
    this.values.clear();
    this.#session.clear();
    this.#local.clear();
    this.#touched = true;
  }

  #timeout(name: EnforcedTimeout): number {
    return this.#local.get(name) ?? this.#session.get(name) ?? 0;
  }

  #readTimeouts(): void {
    this.#session.clear();
    for (const name of ['statement_timeout', 'idle_in_transaction_session_timeout'] as const) {
      const ms = parseDurationMs(this.values.get(name) ?? '');
      if (ms !== undefined && ms > 0) this.#session.set(name, ms);
    }
  }
}

/** A SQL string literal (standard_conforming_strings is on). */
export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
