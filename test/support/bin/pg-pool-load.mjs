// A node-postgres pool of 10 running QUERIES queries, mixing named statements (the same names
// in every process) and unnamed ones, each checked against the answer it must get. Connects with
// the PG* environment variables; prints one JSON line: {"queries", "errors", "wrong", "firstError"}.
//   node pg-pool-load.mjs QUERIES TAG
import pg from 'pg';

const queries = Number(process.argv[2]);
const tag = process.argv[3] ?? 'p';
const pool = new pg.Pool({ max: 10 });
let errors = 0;
let wrong = 0;
let firstError = null;

const expected = (i) => (i % 3 === 0 ? i + 1 : i % 3 === 1 ? `${tag}${i}:${i % 7}` : i * 2);
const run = (i) =>
  i % 3 === 0
    ? pool.query({ name: 'plus_one', text: 'SELECT $1::int + 1 AS v', values: [i] })
    : i % 3 === 1
      ? pool.query({
          name: `suffix_${i % 7}`,
          text: `SELECT $1::text || ':${i % 7}' AS v`,
          values: [`${tag}${i}`],
        })
      : pool.query('SELECT $1::int * 2 AS v', [i]);

await Promise.all(
  Array.from({ length: 10 }, async (_, worker) => {
    for (let i = worker; i < queries; i += 10) {
      try {
        const { rows } = await run(i);
        if (rows[0]?.v !== expected(i)) wrong += 1;
      } catch (error) {
        errors += 1;
        firstError ??= `${error.code ?? ''} ${error.message}`;
      }
    }
  }),
);
await pool.end();
process.stdout.write(`${JSON.stringify({ queries, errors, wrong, firstError })}\n`);
