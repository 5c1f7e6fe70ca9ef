import type {
  Database,
  QueryResult,
  Queryable,
  RowDecoder,
  Transaction,
} from '../../db/database.js';
import { TransientDatabaseError } from '../../errors/index.js';

/**
 * Wraps the store's database and, while switched on, fails every statement matching `pattern`
 * the way a lost connection is reported (a translated `TransientDatabaseError`, which the breaker
 * counts). Used by the breaker-recovery scenario through `openStore({ wrapDatabase })`.
 */
export class FaultInjector implements Database {
  readonly #inner: Database;
  readonly #pattern: RegExp;
  #active = false;
  /** Statements failed so far. */
  failed = 0;

  constructor(inner: Database, pattern: RegExp = /pgcache_entries/) {
    this.#inner = inner;
    this.#pattern = pattern;
  }

  /** Start failing matching statements. */
  start(): void {
    this.#active = true;
  }

  /** Stop failing; statements reach the database again. */
  stop(): void {
    this.#active = false;
  }

  get closed(): boolean {
    return this.#inner.closed;
  }

  query<R = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<R>> {
    return this.#guard(sql) ?? this.#inner.query<R>(sql, params);
  }

  queryDecoded<R>(
    sql: string,
    params: readonly unknown[],
    decode: RowDecoder<R>,
  ): Promise<QueryResult<R>> {
    return this.#guard(sql) ?? this.#inner.queryDecoded(sql, params, decode);
  }

  exec(sql: string): Promise<void> {
    return this.#guard(sql) ?? this.#inner.exec(sql);
  }

  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.#inner.transaction((tx) => fn({ ...this.#wrap(tx), inTransaction: true }));
  }

  describe = (): ReturnType<Database['describe']> => this.#inner.describe();
  connections = (): ReturnType<Database['connections']> => this.#inner.connections();
  footprint = (): ReturnType<Database['footprint']> => this.#inner.footprint();
  close = (): Promise<void> => this.#inner.close();

  #wrap(tx: Queryable): Queryable {
    return {
      query: (sql, params) => this.#guard(sql) ?? tx.query(sql, params),
      queryDecoded: (sql, params, decode) =>
        this.#guard(sql) ?? tx.queryDecoded(sql, params, decode),
      exec: (sql) => this.#guard(sql) ?? tx.exec(sql),
    };
  }

  #guard(sql: string): Promise<never> | undefined {
    if (!this.#active || !this.#pattern.test(sql)) return undefined;
    this.failed += 1;
    return Promise.reject(
      new TransientDatabaseError('stress: injected connection failure', '08006', {
        hint: 'Injected by `pgcache stress` (breaker-recovery); it stops on its own.',
      }),
    );
  }
}
