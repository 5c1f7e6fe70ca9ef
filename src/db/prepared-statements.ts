import { parse, protocol, type PGlite } from '@electric-sql/pglite';
import type { QueryResult, RowDecoder } from './database.js';
import { BindMessage } from './bind-message.js';
import type { Answer, BackendMessage, PgliteChannel } from './pglite-channel.js';

const { serialize } = protocol;

interface Prepared {
  readonly name: string;
  /** Parameter type OIDs, to serialise values as PGlite's own `query()` would. */
  readonly paramTypes: readonly number[];
  /** The statement's RowDescription (absent for statements that return no rows). */
  readonly rowDescription: BackendMessage | undefined;
}

type Serializers = Record<number, ((value: unknown) => string) | undefined>;

// A prepared statement that a wire client dropped (DEALLOCATE / DISCARD ALL), or whose plan no
// longer fits after a schema change: prepare it again, once.
const STALE = new Set(['26000', '0A000']);
const NAME_TAKEN = '42P05';

/**
 * Named prepared statements on a {@link PgliteChannel}, one synchronous round trip per call: a
 * statement is parsed and described once per session, then each call is bind + execute + sync
 * in one message. Typed rows are parsed by PGlite's own parsers, so they are exactly what
 * `query()` returns; {@link decoded} hands the text fields to a decoder instead, for the hot
 * paths that want one decode per value. The caller keeps calls apart (see `EmbeddedDatabase`).
 */
export class PreparedStatements {
  readonly #channel: PgliteChannel;
  readonly #pg: PGlite;
  readonly #max: number;
  readonly #cache = new Map<string, Prepared>();
  readonly #bind = new BindMessage();
  readonly #values: (string | null)[] = [];
  readonly #fields: (string | null)[] = [];
  #next = 0;

  constructor(channel: PgliteChannel, pg: PGlite, maxStatements = 128) {
    this.#channel = channel;
    this.#pg = pg;
    this.#max = maxStatements;
  }

  /**
   * Run `sql` with `params` and return its rows typed as PGlite's `query()` types them. A stale
   * statement is prepared again and run once more, unless `inTransaction` (its failure aborted
   * the transaction, and the whole transaction is what may be retried).
   */
  query<R>(sql: string, params: readonly unknown[], inTransaction: boolean): QueryResult<R> {
    const { answer, prepared } = this.#run(sql, params, inTransaction);
    const described =
      prepared.rowDescription === undefined
        ? answer.messages()
        : [prepared.rowDescription, ...answer.messages()];
    const [result] = parse.parseResults(described, this.#pg.parsers);
    return { rows: (result?.rows ?? []) as R[], affectedRows: result?.affectedRows ?? 0 };
  }

  /** Run `sql` with `params`; each row's text fields go through `decode`. */
  decoded<R>(
    sql: string,
    params: readonly unknown[],
    decode: RowDecoder<R>,
    inTransaction: boolean,
  ): QueryResult<R> {
    const { answer } = this.#run(sql, params, inTransaction);
    const rows: R[] = [];
    const affectedRows = answer.decodeRows(this.#fields, decode, rows);
    return { rows, affectedRows };
  }

  /** Run `sql` with `params` and return a copy of the answer's bytes (to decode in another thread). */
  raw(sql: string, params: readonly unknown[], inTransaction: boolean): Uint8Array {
    return this.#run(sql, params, inTransaction).answer.copy();
  }

  #run(
    sql: string,
    params: readonly unknown[],
    inTransaction: boolean,
  ): { answer: Answer; prepared: Prepared } {
    let prepared = this.#prepared(sql);
    try {
      return { answer: this.#execute(prepared, params), prepared };
    } catch (error) {
      if (!STALE.has((error as { code?: string }).code ?? '')) throw error;
      this.#cache.delete(sql);
      if (inTransaction) throw error;
      prepared = this.#prepared(sql);
      return { answer: this.#execute(prepared, params), prepared };
    }
  }

  #prepared(sql: string): Prepared {
    const cached = this.#cache.get(sql);
    if (cached !== undefined) {
      // Most recently used last, so that eviction takes the oldest.
      this.#cache.delete(sql);
      this.#cache.set(sql, cached);
      return cached;
    }
    if (this.#cache.size >= this.#max) this.#evictOldest();
    for (;;) {
      const name = `pgcache_stmt_${(this.#next += 1)}`;
      try {
        const answer = this.#channel.roundTrip(
          concat([
            serialize.parse({ name, text: sql }),
            serialize.describe({ type: 'S', name }),
            serialize.sync(),
          ]),
        );
        const prepared = describeStatement(name, answer.messages());
        this.#cache.set(sql, prepared);
        return prepared;
      } catch (error) {
        if ((error as { code?: string }).code !== NAME_TAKEN) throw error;
      }
    }
  }

  #execute(prepared: Prepared, params: readonly unknown[]): Answer {
    const serializers = this.#pg.serializers as Serializers;
    const values = this.#values;
    values.length = params.length;
    for (let i = 0; i < params.length; i += 1) {
      const value = params[i];
      if (value === null || value === undefined) values[i] = null;
      else if (typeof value === 'string') values[i] = value;
      else {
        const serializer = serializers[prepared.paramTypes[i] ?? 0];
        values[i] = serializer === undefined ? String(value) : serializer(value);
      }
    }
    return this.#channel.roundTrip(this.#bind.bind(prepared.name, values));
  }

  #evictOldest(): void {
    const [sql, oldest] = this.#cache.entries().next().value ?? [];
    if (sql === undefined || oldest === undefined) return;
    this.#cache.delete(sql);
    try {
      this.#channel.roundTrip(
        concat([serialize.close({ type: 'S', name: oldest.name }), serialize.sync()]),
      );
    } catch {
      // Gone already (a wire client's DISCARD ALL): nothing to close.
    }
  }
}

function describeStatement(name: string, messages: readonly BackendMessage[]): Prepared {
  let paramTypes: readonly number[] = [];
  let rowDescription: BackendMessage | undefined;
  for (const message of messages) {
    if (message.name === 'parameterDescription') {
      paramTypes = (message as unknown as { dataTypeIDs: number[] }).dataTypeIDs;
    } else if (message.name === 'rowDescription') rowDescription = message;
  }
  return { name, paramTypes, rowDescription };
}

/** Join protocol messages into one. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const message = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    message.set(part, offset);
    offset += part.length;
  }
  return message;
}
