import type {
  Database,
  QueryResult,
  Queryable,
  RowDecoder,
  Transaction,
} from '../../src/db/database.js';
import { translateDriverError } from '../../src/db/sql-errors.js';

type Action = { kind: 'fail'; error: unknown } | { kind: 'hang' };
interface Fault {
  pattern: RegExp;
  /** Matches to let through before the fault applies. */
  skip: number;
  remaining: number;
  action: Action;
}

/** What a crashed PGlite WASM instance throws (class names are minified, so only the text counts). */
export function wasmCrash(message = 'unreachable'): Error {
  return Object.assign(new Error(message), { name: 'RuntimeError' });
}

/** A driver error carrying a SQLSTATE, e.g. `sqlStateError('40001')` (serialization failure). */
export function sqlStateError(code: string, message = `scripted failure ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * Wraps a real {@link Database} and fails scripted statements, as the adapter would report them
 * (errors go through `translateDriverError`). Faults apply in the order scripted, to statements
 * sent on the handle and inside its transactions; `statements` lists what reached the database.
 */
export class FaultyDatabase<D extends Database = Database> implements Database {
  readonly inner: D;
  readonly statements: string[] = [];
  /** Scripted failures thrown so far (hangs not included). */
  failed = 0;
  readonly #faults: Fault[] = [];
  readonly #failedOnce = new Set<string>();
  #frozen = false;
  #flaky: { pattern: RegExp; error: unknown } | undefined;

  constructor(inner: D) {
    this.inner = inner;
  }

  /** Fail the next `times` statements matching `pattern` (after letting `skip` through). */
  failNext(pattern: RegExp, times: number, error: unknown, skip = 0): this {
    this.#faults.push({ pattern, skip, remaining: times, action: { kind: 'fail', error } });
    return this;
  }

  /** Crash (as a WASM trap) on the next `times` statements matching `pattern`. */
  crashNext(pattern: RegExp, times = 1, skip = 0): this {
    return this.failNext(pattern, times, wasmCrash(), skip);
  }

  /** Never answer the next `times` statements matching `pattern`. */
  hangNext(pattern: RegExp, times = 1, skip = 0): this {
    this.#faults.push({ pattern, skip, remaining: times, action: { kind: 'hang' } });
    return this;
  }

  /** Calls left without an answer since {@link freeze}. */
  unanswered = 0;

  /** From now on never answer anything, like an instance whose mutex is held for ever. */
  freeze(): this {
    this.#frozen = true;
    return this;
  }

  /** Fail the first run of each distinct statement + parameters matching `pattern`, once. */
  failFirst(pattern: RegExp, error: unknown): this {
    this.#flaky = { pattern, error };
    return this;
  }

  get closed(): boolean {
    return this.inner.closed;
  }

  query<R = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<R>> {
    return this.#run(sql, params, () => this.inner.query<R>(sql, params));
  }

  queryDecoded<R>(
    sql: string,
    params: readonly unknown[],
    decode: RowDecoder<R>,
  ): Promise<QueryResult<R>> {
    return this.#run(sql, params, () => this.inner.queryDecoded(sql, params, decode));
  }

  exec(sql: string): Promise<void> {
    return this.#run(sql, [], () => this.inner.exec(sql));
  }

  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.inner.transaction((tx) => fn({ ...this.#wrap(tx), inTransaction: true }));
  }

  describe = (): ReturnType<Database['describe']> => this.inner.describe();
  connections = (): ReturnType<Database['connections']> => this.inner.connections();
  footprint = (): ReturnType<Database['footprint']> => this.inner.footprint();
  close = (): Promise<void> => this.inner.close();

  /** Drop the instance without waiting, when the inner database can. */
  abandon(): void {
    (this.inner as Partial<{ abandon(): void }>).abandon?.();
  }

  #wrap(tx: Queryable): Queryable {
    return {
      query: (sql, params) => this.#run(sql, params, () => tx.query(sql, params)),
      queryDecoded: (sql, params, decode) =>
        this.#run(sql, params, () => tx.queryDecoded(sql, params, decode)),
      exec: (sql) => this.#run(sql, [], () => tx.exec(sql)),
    };
  }

  #run<T>(sql: string, params: readonly unknown[] | undefined, send: () => Promise<T>): Promise<T> {
    const fault = this.#fault(sql, params ?? []);
    if (fault !== undefined) return fault;
    this.statements.push(sql);
    return send();
  }

  #fault(sql: string, params: readonly unknown[]): Promise<never> | undefined {
    if (this.#frozen) {
      this.unanswered += 1;
      return new Promise<never>(() => undefined);
    }
    const fault = this.#faults.find((f) => f.remaining > 0 && f.pattern.test(sql));
    if (fault !== undefined && fault.skip > 0) fault.skip -= 1;
    else if (fault !== undefined) {
      fault.remaining -= 1;
      if (fault.action.kind === 'hang') return new Promise<never>(() => undefined);
      this.failed += 1;
      return Promise.reject(translateDriverError(fault.action.error, 'query'));
    }
    const key = `${sql}\u0000${JSON.stringify(params)}`;
    if (this.#flaky?.pattern.test(sql) === true && !this.#failedOnce.has(key)) {
      this.#failedOnce.add(key);
      this.failed += 1;
      return Promise.reject(translateDriverError(this.#flaky.error, 'query'));
    }
    return undefined;
  }
}
