import { join } from 'node:path';
import { unavailable, type BenchCase } from '../case.js';
import { loadBenchModule } from '../native-deps.js';

/** The part of better-sqlite3's API this case uses (its types are not installed with the project). */
interface SqliteStatement {
  get(...params: unknown[]): unknown;
  run(...params: unknown[]): unknown;
}
interface SqliteDatabase {
  pragma(source: string): unknown;
  exec(source: string): unknown;
  prepare(source: string): SqliteStatement;
  close(): unknown;
}
type SqliteConstructor = new (filename: string) => SqliteDatabase;

/**
 * better-sqlite3 on a file in WAL mode with `synchronous = NORMAL` (no fsync per commit, like
 * PGlite, which never calls fsync): what a user would pick for an embedded key-value store.
 * Values are stored as JSON text and parsed on read, as such a user would.
 */
export const betterSqliteCase: BenchCase = {
  name: 'better-sqlite3 WAL',
  description: 'better-sqlite3 key-value table in WAL mode, prepared statements',
  floor: 'map',
  open: async (env) => {
    const loaded = await loadBenchModule<SqliteConstructor>('better-sqlite3', env.log);
    if (!loaded.ok) return unavailable(loaded.reason);
    const db = new loaded.module(join(env.scratchDir(), 'bench.sqlite'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    const select = db.prepare('SELECT value FROM kv WHERE key = ?');
    const upsert = db.prepare(
      'INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    return {
      version: `better-sqlite3 ${loaded.version}`,
      get: async (key) => {
        const row = select.get(key) as { value: string } | undefined;
        return row === undefined ? undefined : JSON.parse(row.value);
      },
      set: async (key, value) => upsert.run(key, JSON.stringify(value)),
      close: async () => {
        db.close();
      },
    };
  },
};
