import pg from 'pg';
import { systemClock } from '../../src/clock.js';
import { openWireEndpoint, type WireEndpoint } from '../../src/serve/wire-endpoint.js';
import { openStore } from '../../src/store/open-store.js';
import { storeOwnerOf } from '../../src/control/store-owner.js';
import { copyTemplateDataDir } from './data-dir.js';
import { TEST_DATABASE_URL, createTestSchema } from './postgres.js';

/**
 * Where real clients (psql, pgbench, node-postgres) connect in the acceptance tests: serve's wire
 * endpoint on a store of its own, or the run's PostgreSQL 15 (a schema of its own), so that the
 * same test runs against both.
 */
export interface ClientTarget {
  readonly name: string;
  /** The libpq environment (PGHOST…, PGOPTIONS for the schema) psql, pgbench and pg read. */
  readonly env: Readonly<Record<string, string>>;
  /** Connections open with this application_name. */
  sessions(applicationName: string): Promise<number>;
  /** The statement running now for a client with this application_name, if any. */
  running(applicationName: string): Promise<string | undefined>;
  /**
   * True when a canceled statement stops at once (PostgreSQL); serve answers the client at once
   * while PGlite finishes the statement (it cannot be interrupted).
   */
  readonly interrupts: boolean;
  /** Every connection serve counts (a cancel request must not leave one behind); serve only. */
  readonly connections?: () => number;
  close(): Promise<void>;
}

const BASE_ENV = { PGCONNECT_TIMEOUT: '10', PGDATABASE: 'postgres', PGUSER: 'postgres' };

/** serve's wire endpoint on a store of its own. */
export async function serveTarget(): Promise<ClientTarget & { readonly endpoint: WireEndpoint }> {
  const store = await openStore({
    dataDir: copyTemplateDataDir(),
    migrations: 'require',
    thread: true,
  });
  const database = storeOwnerOf(store).deps.instance;
  if (database === undefined) throw new Error('an embedded store was expected');
  const endpoint = await openWireEndpoint({ maxConnections: 40 }, { database, clock: systemClock });
  const mine = (app: string) => endpoint.stats().clients.filter((c) => c.applicationName === app);
  return {
    name: 'serve',
    endpoint,
    interrupts: false,
    connections: () => endpoint.stats().current,
    env: { ...BASE_ENV, PGHOST: '127.0.0.1', PGPORT: String(endpoint.address.port) },
    sessions: (app) => Promise.resolve(mine(app).length),
    running: (app) => {
      const holder = endpoint.session();
      const running = holder?.applicationName === app && holder.state === 'active';
      return Promise.resolve(running ? holder.statement : undefined);
    },
    close: async () => {
      await endpoint.close();
      await store.close();
    },
  };
}

/** The run's PostgreSQL server, in a schema of its own. */
export async function postgresTarget(): Promise<ClientTarget> {
  const { url, drop } = await createTestSchema();
  const parsed = new URL(url);
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  const activity = async (app: string, where: string): Promise<string[]> =>
    (
      await admin.query<{ query: string }>(
        `SELECT query FROM pg_stat_activity WHERE application_name = $1 ${where}`,
        [app],
      )
    ).rows.map((r) => r.query);
  return {
    name: 'PostgreSQL',
    interrupts: true,
    env: {
      ...BASE_ENV,
      PGHOST: parsed.hostname,
      PGPORT: parsed.port,
      PGUSER: decodeURIComponent(parsed.username),
      PGPASSWORD: decodeURIComponent(parsed.password),
      PGDATABASE: parsed.pathname.slice(1),
      PGOPTIONS: parsed.searchParams.get('options') ?? '',
    },
    sessions: async (app) => (await activity(app, '')).length,
    running: async (app) => (await activity(app, `AND state = 'active'`))[0],
    close: async () => {
      await admin.end();
      await drop();
    },
  };
}
