import { join } from 'node:path';
import { PgliteChannel } from '../../src/db/pglite-channel.js';
import { PreparedStatements } from '../../src/db/prepared-statements.js';
import type { BenchCase } from '../case.js';
import { openRawPGlite } from '../support.js';

const GET = 'SELECT value FROM bench_kv WHERE key = $1';
const SET =
  'INSERT INTO bench_kv (key, value) VALUES ($1, $2::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value';
const decodeValue = (fields: readonly (string | null)[]): unknown =>
  JSON.parse(fields[0] ?? 'null');

/**
 * Raw PGlite in this thread on the same two-column table as `PGlite prepared`, through the
 * synchronous protocol channel the store's database thread uses (no PGlite mutex, no parsing of
 * the answer but the value): the fastest way to ask PGlite for one row found so far, shown beside
 * the floor.
 */
export const pgliteChannelCase: BenchCase = {
  name: 'PGlite channel',
  description: 'raw PGlite through the synchronous channel of the adapter (named statements)',
  floor: 'pglite',
  open: async (env) => {
    const pg = await openRawPGlite(join(env.dataDir(), 'pgdata'));
    const statements = new PreparedStatements(PgliteChannel.of(pg), pg);
    statements.query(
      'CREATE TABLE bench_kv (key text PRIMARY KEY, value jsonb NOT NULL)',
      [],
      false,
    );
    return {
      get: async (key) => statements.decoded(GET, [key], decodeValue, false).rows[0],
      set: async (key, value) => statements.query(SET, [key, JSON.stringify(value)], false),
      close: () => pg.close(),
    };
  },
};
