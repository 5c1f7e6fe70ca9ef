// Runs a real poisoning query (deep plpgsql recursion) on a supervised embedded instance, in its
// own process because touching a poisoned instance can abort Node itself (exit 133). Prints JSON
// lines. Usage: poison-instance.mjs PGDATA [thread|in-process]
import { systemClock } from '../../../dist/src/clock.js';
import { openEmbeddedDatabase } from '../../../dist/src/db/embedded-database.js';
import { openSupervisedDatabase } from '../../../dist/src/resilience/instance-supervisor.js';

const say = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
const db = await openSupervisedDatabase({
  clock: systemClock,
  open: () =>
    openEmbeddedDatabase({ pgDataDir: process.argv[2], thread: process.argv[3] === 'thread' }),
});
await db.exec(`CREATE TABLE IF NOT EXISTS poison_t (k int PRIMARY KEY);
CREATE OR REPLACE FUNCTION poison_rec(n int) RETURNS int AS $$ BEGIN RETURN poison_rec(n + 1); END $$ LANGUAGE plpgsql;`);
await db.query('INSERT INTO poison_t VALUES (1) ON CONFLICT DO NOTHING');
say({ event: 'acknowledged', key: 1 });
const poisoned = await db.query('SELECT poison_rec(1) AS r').then(
  (r) => ({ rows: r.rows.length }),
  (e) => ({ error: e.code, ...(e.sqlState === undefined ? {} : { sqlState: e.sqlState }) }),
);
say({ event: 'poisoned', ...poisoned });
const after = [];
for (let i = 0; i < 3; i += 1) {
  after.push(
    await db.query('SELECT count(*)::int AS n FROM poison_t').then(
      (r) => r.rows[0].n,
      (e) => e.code,
    ),
  );
}
say({ event: 'after', results: after, stats: db.stats() });
await db.close();
