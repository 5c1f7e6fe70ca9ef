import pg from 'pg';
import {
  ClosedError,
  InternalError,
  NestedTransactionError,
  StoreUnavailableError,
} from '../errors/index.js';
import type {
  ConnectionStats,
  Database,
  DatabaseInfo,
  DiskFootprint,
  QueryResult,
  RowDecoder,
  ServerSessionStats,
  Transaction,
} from './database.js';
import { registerHandle } from './handle-registry.js';
import { redactUrl } from '../config/redact-url.js';
import { translateDriverError } from './sql-errors.js';
import { TransactionScope } from './transaction-scope.js';

/** Options of {@link openWireDatabase}. */
export interface WireDatabaseOptions {
  /** `postgres://user:password@host:port/database`. */
  readonly url: string;
  /** Connections in the pool. @default 10 */
  readonly poolSize?: number;
  /** Shown in `pg_stat_activity`, so that this tool's sessions can be found. @default 'pgcache' */
  readonly applicationName?: string;
  /** Longest wait to establish a connection. @default 5000 */
  readonly connectTimeoutMs?: number;
  /** How the store is reached when it is not a server of its own, e.g. `serve, pid 4242`. */
  readonly via?: string;
  /** What `describe()` names as the location (a data directory, through `serve`). @default the URL without its password */
  readonly location?: string;
  /** Server-side limit per statement (a real server only; `serve` ignores it). */
  readonly statementTimeoutMs?: number;
  /** Called with connection errors of idle pool clients (they are replaced). */
  readonly onWarning?: (message: string) => void;
}

// int8 and numeric arrive as strings from pg; counts and sums here always fit a double.
const NUMERIC_OIDS = new Set([20, 1700]);
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    NUMERIC_OIDS.has(oid) && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

// Every field as the server sent it, as text: a RowDecoder decodes what it needs, once.
const TEXT_FIELDS = {
  getTypeParser: (() => (value: string) => value) as unknown as typeof pg.types.getTypeParser,
};

/** The query config of a decoded statement: rows as arrays of text fields. */
function decodedQuery(sql: string, params: readonly unknown[]): pg.QueryArrayConfig {
  return { text: sql, values: params as unknown[], rowMode: 'array', types: TEXT_FIELDS };
}

function decodeAll<R>(result: pg.QueryArrayResult, decode: RowDecoder<R>): QueryResult<R> {
  return {
    rows: result.rows.map((fields) => decode(fields as (string | null)[])),
    affectedRows: result.rowCount ?? 0,
  };
}

const transactionScope = new TransactionScope<WireDatabase>();

/**
 * Connect to a PostgreSQL server (or a `pgcache serve` endpoint) with a `pg` pool and check that
 * it answers. Uses no session state: no SET, no named prepared statements, no session locks,
 * because every connection to `serve` shares one Postgres session.
 */
export async function openWireDatabase(options: WireDatabaseOptions): Promise<WireDatabase> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    application_name: options.applicationName ?? 'pgcache',
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    idleTimeoutMillis: 10_000,
    allowExitOnIdle: true,
    types,
    ...(options.statementTimeoutMs === undefined
      ? {}
      : { statement_timeout: options.statementTimeoutMs }),
  });
  pool.on('error', (error) => {
    // An idle connection the server ends while the pool is ending is not news.
    if (pool.ending) return;
    options.onWarning?.(`a pooled connection failed and was dropped: ${error.message}`);
  });
  let version: string;
  try {
    const { rows } = await pool.query<{ v: string }>(
      `SELECT current_setting('server_version') AS v`,
    );
    version = rows[0]?.v ?? '?';
  } catch (error) {
    await pool.end().catch(() => undefined);
    const reason = translateDriverError(error, 'connect');
    // A failure the driver does not classify (a bad port, an unknown host) is not a bug here.
    const known = reason.code !== 'E_DATABASE' ? reason.hint : undefined;
    throw new StoreUnavailableError(`cannot reach ${redactUrl(options.url)}: ${reason.message}`, {
      cause: error,
      hint:
        known ?? 'Check that the server is running and that the URL, user and password are right.',
    });
  }
  return new WireDatabase(pool, options, version);
}

/** The `pg` adapter of the {@link Database} port. */
export class WireDatabase implements Database {
  readonly #pool: pg.Pool;
  readonly #info: DatabaseInfo;
  readonly #unregister: () => void;
  readonly #applicationName: string;
  #closing: Promise<void> | undefined;

  constructor(pool: pg.Pool, options: WireDatabaseOptions, version: string) {
    this.#pool = pool;
    this.#applicationName = options.applicationName ?? 'pgcache';
    const location = options.location ?? redactUrl(options.url);
    this.#info = {
      kind: 'wire',
      location,
      engine: `PostgreSQL ${version}`,
      ...(options.via === undefined ? {} : { via: options.via }),
    };
    this.#unregister = registerHandle({ kind: 'wire', location, openedAt: Date.now() });
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  query<R = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
  ): Promise<QueryResult<R>> {
    return this.#guard('query', async () => {
      const result = await this.#pool.query({ text: sql, values: params as unknown[] });
      return { rows: result.rows as R[], affectedRows: result.rowCount ?? 0 };
    });
  }

  queryDecoded<R>(
    sql: string,
    params: readonly unknown[],
    decode: RowDecoder<R>,
  ): Promise<QueryResult<R>> {
    return this.#guard('query', async () =>
      decodeAll(await this.#pool.query(decodedQuery(sql, params)), decode),
    );
  }

  exec(sql: string): Promise<void> {
    return this.#guard('exec', async () => {
      await this.#pool.query(sql);
    });
  }

  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.#guard('transaction', async () => {
      const client = await this.#pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const tx: Transaction = {
          inTransaction: true,
          query: async <R>(sql: string, params: readonly unknown[] = []) => {
            const result = await client
              .query({ text: sql, values: params as unknown[] })
              .catch((error: unknown) => {
                throw translateDriverError(error, 'transaction');
              });
            return { rows: result.rows as R[], affectedRows: result.rowCount ?? 0 };
          },
          queryDecoded: async <R>(
            sql: string,
            params: readonly unknown[],
            decode: RowDecoder<R>,
          ) => {
            const result = await client.query(decodedQuery(sql, params)).catch((error: unknown) => {
              throw translateDriverError(error, 'transaction');
            });
            return decodeAll(result, decode);
          },
          exec: async (sql: string) => {
            await client.query(sql).catch((error: unknown) => {
              throw translateDriverError(error, 'transaction');
            });
          },
        };
        const result = await transactionScope.run(this, () => fn(tx));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: unknown) => {
          broken = rollbackError as Error; // the connection is unusable: drop it from the pool
        });
        throw error;
      } finally {
        client.release(broken);
      }
    });
  }

  describe(): DatabaseInfo {
    return this.#info;
  }

  connections(): ConnectionStats {
    const open = this.#pool.totalCount;
    const idle = this.#pool.idleCount;
    return { open, active: open - idle, idle, waiting: this.#pool.waitingCount };
  }

  async footprint(): Promise<DiskFootprint> {
    const { rows } = await this.query<{ bytes: number | null }>(
      `SELECT sum(pg_total_relation_size(c.oid))::bigint AS bytes
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r' AND c.relname LIKE 'pgcache\\_%' AND n.nspname = current_schema()`,
    );
    return { onDiskBytes: Number(rows[0]?.bytes ?? 0), walBytes: null };
  }

  /**
   * This tool's sessions on the server (`pg_stat_activity` rows with its `application_name`), by
   * state, and with `idleForMs` the ones idle (or idle in a transaction) at least that long, the
   * asking session left out; undefined through `serve`, whose one session is not a server's.
   */
  async sessions(
    options: { readonly idleForMs?: number } = {},
  ): Promise<ServerSessionStats | undefined> {
    if (this.#info.via !== undefined) return undefined;
    const { rows } = await this.query<{
      pid: number;
      state: string;
      self: boolean;
      idle_ms: number | null;
      query: string;
    }>(
      `SELECT pid, coalesce(state, 'hidden') AS state, pid = pg_backend_pid() AS self,
              (extract(epoch FROM now() - state_change) * 1000)::bigint AS idle_ms,
              left(query, 60) AS query
         FROM pg_stat_activity
        WHERE application_name = $1 AND datname = current_database()
        ORDER BY state_change`,
      [this.#applicationName],
    );
    const byState: Record<string, number> = {};
    for (const r of [...rows].sort((a, b) => a.state.localeCompare(b.state)))
      byState[r.state] = (byState[r.state] ?? 0) + 1;
    const stats = { applicationName: this.#applicationName, total: rows.length, byState };
    const { idleForMs } = options;
    if (idleForMs === undefined) return stats;
    const idle = rows
      .filter((r) => !r.self && r.state.startsWith('idle') && (r.idle_ms ?? -1) >= idleForMs)
      .map((r) => ({ pid: r.pid, state: r.state, idleMs: r.idle_ms ?? 0, query: r.query }));
    return { ...stats, idle };
  }

  /**
   * Try once to take the session advisory lock (`key`, this schema) on a connection of its own (a
   * PostgreSQL server only: through `serve` every connection shares one session, so the lock
   * would mean nothing). Stores in other schemas of the database do not share it. Resolves to the
   * release function, or undefined when another session holds it.
   */
  async trySessionLock(key: number): Promise<(() => Promise<void>) | undefined> {
    if (this.#info.via !== undefined) {
      throw new InternalError('a session lock through serve would be shared by every client');
    }
    const client = await this.#guard('lock', () => this.#pool.connect());
    let got = false;
    try {
      const { rows } = await client.query<{ got: boolean }>(
        'SELECT pg_try_advisory_lock($1::int, hashtext(current_schema())) AS got',
        [key],
      );
      got = rows[0]?.got === true;
    } catch (error) {
      client.release(error as Error);
      throw translateDriverError(error, 'lock');
    }
    if (!got) {
      client.release();
      return undefined;
    }
    return async () => {
      try {
        await client.query('SELECT pg_advisory_unlock($1::int, hashtext(current_schema()))', [key]);
        client.release();
      } catch (error) {
        client.release(error as Error); // closing the connection releases the lock too
      }
    };
  }

  /** End the pool (idempotent). Calls after it reject with `E_CLOSED`. */
  close(): Promise<void> {
    this.#closing ??= this.#pool
      .end()
      .catch(() => undefined)
      .finally(() => this.#unregister());
    return this.#closing;
  }

  async #guard<T>(operation: string, run: () => Promise<T>): Promise<T> {
    if (this.#closing !== undefined) {
      throw new ClosedError(`${operation} on a closed database (${this.#info.location})`, {
        hint: 'Open the store again; a handle cannot be used after close().',
      });
    }
    if (transactionScope.inside(this)) {
      throw new NestedTransactionError(
        `${operation} on the outer handle inside a transaction callback`,
        {
          hint: 'Inside db.transaction(fn), send every statement through the tx handle fn receives.',
        },
      );
    }
    try {
      return await run();
    } catch (error) {
      throw translateDriverError(error, operation);
    }
  }
}
