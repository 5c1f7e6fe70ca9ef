/** One prepared statement of a client: its name on the shared session, and its text. */
export interface PreparedStatementName {
  readonly server: string;
  readonly sql: string;
  /**
   * The Parse that creates it on the session, while that is still to be sent: a client that
   * prepares while another holds the session is answered at once, and its statement is parsed
   * on the session just before its first use.
   */
  parse?: Uint8Array | undefined;
}

/**
 * One wire client's prepared statements (protocol-level Parse and SQL PREPARE share one
 * namespace, as in PostgreSQL), each under a name of its own on the shared session — the
 * technique of PgBouncer's `max_prepared_statements` — so that clients never see or collide with
 * each other's (or the store's) statements, and all of them can be closed when the client leaves.
 * The unnamed statement is not renamed: it only lives inside one client's turn.
 */
export class PreparedNames {
  readonly #prefix: string;
  readonly #byName = new Map<string, PreparedStatementName>();
  #next = 0;

  /** `clientId` makes the session names of two clients different. */
  constructor(clientId: number) {
    this.#prefix = `pgcache_wire_${clientId}_`;
  }

  /** How many statements the client has. */
  get size(): number {
    return this.#byName.size;
  }

  get(name: string): PreparedStatementName | undefined {
    return this.#byName.get(name);
  }

  /** A new session name for `name` (which the caller checked is free). */
  add(name: string, sql: string): PreparedStatementName {
    const entry = { server: `${this.#prefix}${(this.#next += 1)}`, sql };
    this.#byName.set(name, entry);
    return entry;
  }

  /** Put back (or remove, with undefined) what `name` stood for: undoes a step that failed. */
  set(name: string, entry: PreparedStatementName | undefined): void {
    if (entry === undefined) this.#byName.delete(name);
    else this.#byName.set(name, entry);
  }

  delete(name: string): PreparedStatementName | undefined {
    const entry = this.#byName.get(name);
    this.#byName.delete(name);
    return entry;
  }

  /** Forget every statement; returns their session names (to close them). */
  clear(): string[] {
    const names = [...this.#byName.values()].map((entry) => entry.server);
    this.#byName.clear();
    return names;
  }
}

/** The name a client's statement has on the session when it names none the client has. */
export const MISSING_STATEMENT = 'pgcache_wire_missing';
