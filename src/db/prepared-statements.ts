import { parse, protocol, type PGlite } from '@electric-sql/pglite';
import { InstanceCrashedError } from '../errors/index.js';
import type { QueryResult } from './database.js';

const { serialize } = protocol;

type Messages = Awaited<ReturnType<PGlite['execProtocol']>>['messages'];

interface Prepared {
  readonly name: string;
  /** Parameter type OIDs, to serialise values as PGlite's own `query()` would. */
  readonly paramTypes: readonly number[];
  /** The statement's RowDescription (absent for statements that return no rows). */
  readonly rowDescription: Messages[number] | undefined;
}

// A prepared statement that a wire client dropped (DEALLOCATE / DISCARD ALL), or whose plan no
// longer fits after a schema change: prepare it again, once.
const STALE = new Set(['26000', '0A000']);
const NAME_TAKEN = '42P05';

/**
 * Named prepared statements for PGlite, one protocol round trip per call. PGlite's `query()`
 * sends parse, describe, bind, describe, execute and sync as six calls into WASM and plans the
 * statement every time; here a statement is parsed and described once per session, then each
 * call is bind + execute + sync in one message, under PGlite's own transaction and query locks
 * (so it never lands inside another caller's transaction). Results are parsed by PGlite's own
 * parsers, so rows are exactly what `query()` returns.
 */
export class PreparedStatements {
  readonly #pg: PGlite;
  readonly #max: number;
  readonly #cache = new Map<string, Prepared>();
  #next = 0;

  constructor(pg: PGlite, maxStatements = 128) {
    this.#pg = pg;
    this.#max = maxStatements;
  }

  /** Run `sql` with `params` as a named prepared statement. */
  query<R>(sql: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    return this.#pg._runExclusiveTransaction(() => this.#run<R>(sql, params, true));
  }

  /**
   * The same inside the callback of PGlite's `transaction()`, which already holds its transaction
   * lock. A stale statement is not prepared again here: its failure aborted the transaction, and
   * the whole transaction is what may be retried.
   */
  queryInTransaction<R>(sql: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    return this.#run<R>(sql, params, false);
  }

  #run<R>(sql: string, params: readonly unknown[], retryStale: boolean): Promise<QueryResult<R>> {
    return this.#pg._runExclusiveQuery(async () => {
      try {
        return await this.#execute<R>(await this.#prepared(sql), params);
      } catch (error) {
        if (!STALE.has((error as { code?: string }).code ?? '')) throw error;
        this.#cache.delete(sql);
        if (!retryStale) throw error;
        return this.#execute<R>(await this.#prepared(sql), params);
      }
    });
  }

  async #prepared(sql: string): Promise<Prepared> {
    const cached = this.#cache.get(sql);
    if (cached !== undefined) {
      // Most recently used last, so that eviction takes the oldest.
      this.#cache.delete(sql);
      this.#cache.set(sql, cached);
      return cached;
    }
    if (this.#cache.size >= this.#max) await this.#evictOldest();
    for (;;) {
      const name = `pgcache_stmt_${(this.#next += 1)}`;
      try {
        const messages = await this.#send(
          serialize.parse({ name, text: sql }),
          serialize.describe({ type: 'S', name }),
          serialize.sync(),
        );
        const prepared = describeStatement(name, messages);
        this.#cache.set(sql, prepared);
        return prepared;
      } catch (error) {
        if ((error as { code?: string }).code !== NAME_TAKEN) throw error;
      }
    }
  }

  async #execute<R>(prepared: Prepared, params: readonly unknown[]): Promise<QueryResult<R>> {
    const serializers = this.#pg.serializers as Record<
      number,
      ((value: unknown) => string) | undefined
    >;
    const values = params.map((value, i) => {
      if (value === null || value === undefined) return null;
      const serializer = serializers[prepared.paramTypes[i] ?? 0];
      return serializer === undefined ? String(value) : serializer(value);
    });
    const messages = await this.#send(
      serialize.bind({ statement: prepared.name, values }),
      serialize.execute({}),
      serialize.sync(),
    );
    const described =
      prepared.rowDescription === undefined ? messages : [prepared.rowDescription, ...messages];
    const [result] = parse.parseResults(described, this.#pg.parsers);
    return { rows: (result?.rows ?? []) as R[], affectedRows: result?.affectedRows ?? 0 };
  }

  async #evictOldest(): Promise<void> {
    const [sql, oldest] = this.#cache.entries().next().value ?? [];
    if (sql === undefined || oldest === undefined) return;
    this.#cache.delete(sql);
    await this.#send(serialize.close({ type: 'S', name: oldest.name }), serialize.sync()).catch(
      () => undefined,
    );
  }

  async #send(...parts: Uint8Array[]): Promise<Messages> {
    const message = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      message.set(part, offset);
      offset += part.length;
    }
    const { messages } = await this.#pg.execProtocol(message);
    // Every answer ends with ReadyForQuery. One that does not comes from an instance that deep
    // recursion (or worse) broke: it answers nothing at all, and silence must not pass for "no
    // rows". Report it as the crash it is, so that the supervisor replaces the instance.
    if (messages.at(-1)?.name !== 'readyForQuery') {
      throw new InstanceCrashedError(
        'PGlite answered without ReadyForQuery: the instance is broken',
        {
          hint: 'The instance is reopened automatically; retry the command.',
        },
      );
    }
    return messages;
  }
}

function describeStatement(name: string, messages: Messages): Prepared {
  let paramTypes: readonly number[] = [];
  let rowDescription: Messages[number] | undefined;
  for (const message of messages) {
    if (message.name === 'parameterDescription') {
      paramTypes = (message as unknown as { dataTypeIDs: number[] }).dataTypeIDs;
    } else if (message.name === 'rowDescription') rowDescription = message;
  }
  return { name, paramTypes, rowDescription };
}
