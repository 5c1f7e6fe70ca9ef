/** Rows and counts returned by one statement. */
export interface QueryResult<R> {
  readonly rows: R[];
  /** Rows inserted, updated or deleted by the statement. */
  readonly affectedRows: number;
}

/**
 * Builds a row from its fields as the server sent them, as text (`null` for NULL). The array is
 * reused for the next row: copy what is kept. One function per statement, made once.
 */
export type RowDecoder<R> = (fields: readonly (string | null)[]) => R;

/** Something statements can be sent to: a database handle or an open transaction. */
export interface Queryable {
  /** Run one parameterised statement (`$1`, `$2`…). Pass JSON as a string with `$n::jsonb`. */
  query<R = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<R>>;
  /**
   * Run one parameterised statement whose rows `decode` builds from their text fields: each value
   * is decoded once, by the caller, into what it needs (the store's hot paths).
   */
  queryDecoded<R>(
    sql: string,
    params: readonly unknown[],
    decode: RowDecoder<R>,
  ): Promise<QueryResult<R>>;
  /** Run one or more statements without parameters. */
  exec(sql: string): Promise<void>;
}

/**
 * An open transaction. It has no `transaction()` method, so a nested transaction cannot be opened
 * by accident: inside a transaction, this handle is the only way to write.
 */
export interface Transaction extends Queryable {
  readonly inTransaction: true;
}

/** What a database handle is connected to, for `stats`, `doctor` and error messages. */
export interface DatabaseInfo {
  readonly kind: 'embedded' | 'wire';
  /** Data directory (embedded) or the URL without its password (wire). */
  readonly location: string;
  /** Engine and version, e.g. `PGlite 0.5.14` or `PostgreSQL 15.18`. */
  readonly engine: string;
  /** How the store is reached when it is not opened directly, e.g. `serve, pid 4242`. */
  readonly via?: string;
}

/** Connection figures a database can report. */
export interface ConnectionStats {
  /** Handles or pool connections open now. */
  readonly open: number;
  /** Connections running a statement now. */
  readonly active: number;
  /** Open connections doing nothing. */
  readonly idle: number;
  /** Callers waiting for a connection. */
  readonly waiting: number;
}

/** One client of `serve`'s wire endpoint. */
export interface WireClientStats {
  readonly id: number;
  readonly address: string;
  readonly user: string | null;
  readonly applicationName: string | null;
  readonly connectedAt: string;
  /** Milliseconds since it last sent anything. */
  readonly idleMs: number;
  readonly messages: number;
  /** `holding`: its transaction (or message sequence) is open and everyone else waits. */
  readonly state: 'authenticating' | 'idle' | 'holding' | 'closing';
}

/** The connections of `serve`'s wire endpoint. */
export interface WireStats {
  readonly current: number;
  readonly peak: number;
  readonly max: number;
  /** Connections accepted, and refused because `max` were connected, since the start. */
  readonly accepted: number;
  readonly refused: number;
  /** Messages waiting for the session. */
  readonly waiting: number;
  readonly clients: readonly WireClientStats[];
}

/** This tool's sessions on a PostgreSQL server (`pg_stat_activity`, by `application_name`). */
export interface ServerSessionStats {
  readonly applicationName: string;
  readonly total: number;
  /** Sessions by state: `active`, `idle`, `idle in transaction`… */
  readonly byState: Readonly<Record<string, number>>;
  /**
   * Asked for with `idleForMs`: the sessions idle, or idle in a transaction, for at least that
   * long, longest first (the asking session left out).
   */
  readonly idle?: readonly IdleServerSession[];
}

/** One of this tool's sessions on a PostgreSQL server that sits idle. */
export interface IdleServerSession {
  readonly pid: number;
  /** `idle`, `idle in transaction` or `idle in transaction (aborted)`. */
  readonly state: string;
  /** Milliseconds since its state last changed. */
  readonly idleMs: number;
  /** Its last statement, shortened. */
  readonly query: string;
}

/** What the store occupies on disk, as far as the backend can tell. */
export interface DiskFootprint {
  /** Bytes on disk: the data directory (embedded) or the store's tables and indexes (server). */
  readonly onDiskBytes: number;
  /** Bytes of write-ahead log, when the backend can see it (`null` on a server). */
  readonly walBytes: number | null;
}

/**
 * The narrow port every adapter implements (embedded PGlite, wire `pg`). Drivers' errors never
 * leave an adapter: they are translated into pgcache errors at this layer.
 */
export interface Database extends Queryable {
  /** Run `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Close the handle; idempotent. Calls after it reject with `E_CLOSED`. */
  close(): Promise<void>;
  /** What this handle is connected to. */
  describe(): DatabaseInfo;
  /** Connection figures for `stats`. */
  connections(): ConnectionStats;
  /** Bytes on disk and WAL, for `stats` and `maintain`. */
  footprint(): Promise<DiskFootprint>;
  /**
   * This tool's sessions on the server, by state (a PostgreSQL server only); with `idleForMs`,
   * also the ones idle at least that long.
   */
  sessions?(options?: { readonly idleForMs?: number }): Promise<ServerSessionStats | undefined>;
  /** True once `close()` has been called. */
  readonly closed: boolean;
}
