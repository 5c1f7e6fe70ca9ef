import { join } from 'node:path';
import { protocol, type PGlite } from '@electric-sql/pglite';
import type { BenchCase } from '../case.js';
import { openRawPGlite } from '../support.js';

const { serialize } = protocol;

const GET = 'SELECT value FROM bench_kv WHERE key = $1';
const SET =
  'INSERT INTO bench_kv (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value';
const EXECUTE_SYNC = concat([serialize.execute({}), serialize.sync()]);

/**
 * Raw PGlite on a `key text PRIMARY KEY, value jsonb` table with named statements parsed once at
 * the protocol level, then bind/execute/sync per call under `runExclusive` — the fastest correct
 * way found to ask PGlite for one row (SQL `EXECUTE` through `exec` was about 25% slower here,
 * parameterised `query()` 2-3× slower). The floor for any cache kept in embedded Postgres.
 */
export const pglitePreparedCase: BenchCase = {
  name: 'PGlite prepared',
  description: 'raw PGlite, named prepared statements (the floor for an embedded Postgres)',
  floor: 'pglite',
  open: async (env) => {
    // The same start parameters (WAL size) as the store's own embedded database.
    const pg = await openRawPGlite(join(env.dataDir(), 'pgdata'));
    await pg.exec('CREATE TABLE bench_kv (key text PRIMARY KEY, value jsonb NOT NULL)');
    const get = await prepareStatement(pg, 'bench_get', GET);
    const set = await prepareStatement(pg, 'bench_set', SET);
    return {
      get: async (key) => {
        const text = firstRow(await get([key]))?.[0];
        return typeof text === 'string' ? JSON.parse(text) : undefined;
      },
      set: (key, value) => set([key, JSON.stringify(value)]),
      close: () => pg.close(),
    };
  },
};

/** What PGlite answers to one protocol call. */
export type Messages = Awaited<ReturnType<PGlite['execProtocol']>>['messages'];

/**
 * Parse `sql` once as the named statement `name`; the result binds text parameters and runs it.
 * Protocol calls must not interleave, so each one holds PGlite's mutex from bind to sync.
 */
export async function prepareStatement(
  pg: PGlite,
  name: string,
  sql: string,
): Promise<(values: (string | null)[]) => Promise<Messages>> {
  const run = async (message: Uint8Array) =>
    (await pg.runExclusive(() => pg.execProtocol(message))).messages;
  await run(concat([serialize.parse({ name, text: sql }), serialize.sync()]));
  return (values) => run(concat([serialize.bind({ statement: name, values }), EXECUTE_SYNC]));
}

/** The columns of the first row, as text. */
export function firstRow(messages: Messages): readonly (string | null)[] | undefined {
  const row = messages.find((message) => message.name === 'dataRow');
  return (row as { fields?: (string | null)[] } | undefined)?.fields;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
