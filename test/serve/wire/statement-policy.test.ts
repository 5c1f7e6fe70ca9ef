import { describe, expect, it } from 'vitest';
import { splitStatements } from '../../../src/serve/wire/sql-lexer.js';
import { classifyStatement, parseDurationMs } from '../../../src/serve/wire/statement-policy.js';

const words = (sql: string): string[][] =>
  splitStatements(sql).map((s) => s.tokens.map((t) => t.value));
const classify = (sql: string, inTransaction = false) => {
  const [statement] = splitStatements(sql);
  if (statement === undefined) throw new Error('no statement');
  return classifyStatement(statement, inTransaction);
};

describe('the SQL lexer', () => {
  it('splits statements at top-level semicolons only, past quotes, comments and bodies', () => {
    expect(
      words(`SELECT 'a;b', "c;d" -- e;
        ; /* f /* g; */ h; */ SELECT $x$ ; $x$, E'\\';', $1;;`),
    ).toEqual([
      ['select', 'a;b', ',', 'c;d'],
      ['select', ' ; ', ',', "';", ',', '$1'],
    ]);
    expect(
      words(
        `CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 1 END; END; SELECT 2`,
      ),
    ).toHaveLength(2);
    expect(
      words(`CREATE RULE r AS ON INSERT TO t DO (INSERT INTO a VALUES (1); SELECT 1); SELECT 3`),
    ).toHaveLength(2);
    expect(words('  -- nothing\n ; ')).toEqual([]);
  });
});

describe('what serve does with a statement', () => {
  it.each([
    ['SET search_path = pg_catalog', { settings: true }],
    [
      `SET SESSION statement_timeout TO '1.5s'`,
      { settings: true, timeout: { name: 'statement_timeout', scope: 'session', ms: 1500 } },
    ],
    [
      'SET LOCAL statement_timeout = 200',
      { settings: false, timeout: { name: 'statement_timeout', scope: 'local', ms: 200 } },
    ],
    [
      'SET statement_timeout TO DEFAULT',
      { settings: true, timeout: { name: 'statement_timeout', scope: 'session', ms: null } },
    ],
    ['RESET ALL', { settings: true, resetAll: true }],
    [
      'RESET idle_in_transaction_session_timeout',
      {
        settings: true,
        timeout: { name: 'idle_in_transaction_session_timeout', scope: 'session', ms: null },
      },
    ],
    ['SET TRANSACTION ISOLATION LEVEL SERIALIZABLE', { settings: false }],
    [`SELECT set_config('search_path', '', false)`, { settings: true }],
    ['UPDATE t SET a = 1', { settings: false }],
  ])('%s is tracked as a session setting as it should', (sql, effects) => {
    expect(classify(sql)).toMatchObject({ action: { kind: 'pass' }, effects });
  });

  it.each([
    'LISTEN x',
    'SET ROLE postgres',
    'SET SESSION AUTHORIZATION postgres',
    'CREATE TEMP TABLE t (a int)',
    'CREATE GLOBAL TEMPORARY TABLE t (a int)',
    'CREATE TABLE pg_temp.t (a int)',
    'SELECT 1 INTO TEMP t',
    'SELECT pg_advisory_lock(1)',
    'SELECT pg_try_advisory_lock_shared(1, 2)',
    'DECLARE c CURSOR WITH HOLD FOR SELECT 1',
    `COPY t TO '/tmp/x'`,
    `COPY t FROM PROGRAM 'cat'`,
    'ALTER SYSTEM SET work_mem = 1',
    'ALTER ROLE postgres SET search_path = x',
  ])('refuses %s with 0A000', (sql) => {
    expect(classify(sql).action).toMatchObject({ kind: 'refuse', error: { sqlState: '0A000' } });
  });

  it('lets a temporary table with ON COMMIT DROP through inside a transaction, and notes it', () => {
    expect(classify('CREATE TEMP TABLE t (a int) ON COMMIT DROP', true)).toMatchObject({
      action: { kind: 'pass' },
      effects: { temp: true },
    });
    expect(classify('CREATE TEMP TABLE t (a int) ON COMMIT DROP', false).action.kind).toBe(
      'refuse',
    );
  });

  it.each([
    ['COPY t (a, b) FROM STDIN WITH (FORMAT csv)', 'copy-in'],
    ['COPY (SELECT 1) TO STDOUT', 'pass'],
    ['COPY t TO stdout', 'pass'],
    ['DISCARD ALL', 'discard-all'],
    ['DISCARD PLANS', 'pass'],
    ['DEALLOCATE ALL', 'deallocate-all'],
    ['DEALLOCATE PREPARE ALL', 'deallocate-all'],
    ['UNLISTEN *', 'unlisten'],
    ['SELECT pg_backend_pid()', 'backend-pid'],
    ['SELECT pg_catalog.pg_cancel_backend(10001)', 'signal-backend'],
    ['SELECT pg_cancel_backend(10001), 1', 'pass'],
    ['PREPARE TRANSACTION x', 'pass'],
  ])('%s is %s', (sql, kind) => {
    expect(classify(sql).action.kind).toBe(kind);
  });

  it('finds the prepared statement name of PREPARE, EXECUTE, DEALLOCATE and EXPLAIN … EXECUTE', () => {
    const name = (sql: string) => {
      const { action } = classify(sql);
      return 'name' in action ? [action.kind, action.name.value] : [action.kind];
    };
    expect(name('PREPARE Foo (int) AS SELECT $1')).toEqual(['prepare', 'foo']);
    expect(name('EXECUTE "Foo"(1)')).toEqual(['execute', 'Foo']);
    expect(name('DEALLOCATE PREPARE foo')).toEqual(['deallocate', 'foo']);
    expect(name('EXPLAIN (ANALYZE) EXECUTE foo(1)')).toEqual(['execute', 'foo']);
    expect(name('CREATE TABLE t AS EXECUTE foo')).toEqual(['execute', 'foo']);
    expect(name('CREATE TRIGGER t AFTER INSERT ON x EXECUTE FUNCTION f()')).toEqual(['pass']);
  });

  it('reads PostgreSQL time settings in milliseconds', () => {
    expect(
      ['1000', '1s', '1.5 min', '250ms', '2000us', '1h', 'soon', ''].map(parseDurationMs),
    ).toEqual([1000, 1000, 90_000, 250, 2, 3_600_000, undefined, undefined]);
  });
});
