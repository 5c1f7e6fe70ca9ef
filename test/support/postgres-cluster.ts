import { execFile, execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

const run = promisify(execFile);

/** A throwaway PostgreSQL cluster this test run started; `stop()` ends it and removes its files. */
export interface PostgresCluster {
  /** A password-authenticated URL to the cluster's test database on 127.0.0.1. */
  readonly url: string;
  /** The server binaries' directory, e.g. /usr/lib/postgresql/15/bin. */
  readonly binDir: string;
  stop(): Promise<void>;
}

const USER = 'pgcache';
const PASSWORD = 'pgcache-test';
const DATABASE = 'pgcache_test';

/**
 * The directory holding PostgreSQL's `initdb` and `pg_ctl`: the PATH first (following symlinks to where the binaries live), then Debian's
 * /usr/lib/postgresql/<version>/bin (newest version first); undefined when none is installed.
 */
export function findPostgresBinDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const onPath = (env['PATH'] ?? '').split(delimiter).filter((dir) => dir !== '');
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian)
    ? readdirSync(debian)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => join(debian, v, 'bin'))
    : [];
  const found = [...onPath, ...versions].find(
    (dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')),
  );
  // A PATH entry may hold symlinks to a few of the binaries only: use the directory they live in.
  return found === undefined ? undefined : dirname(realpathSync(join(found, 'initdb')));
}

/**
 * PostgreSQL refuses to run as root, so as root the server runs as the `postgres` account
 * (Debian's package creates it) or `nobody`, through util-linux's `runuser`.
 */
function serverAccount(): { uid: number; gid: number; wrap: (cmd: string[]) => string[] } {
  if (process.getuid?.() !== 0) return { uid: -1, gid: -1, wrap: (cmd) => cmd };
  for (const name of ['postgres', 'nobody']) {
    const ids = accountIds(name);
    if (ids !== undefined) return { ...ids, wrap: (cmd) => ['runuser', '-u', name, '--', ...cmd] };
  }
  throw new Error(
    'running as root, and neither a postgres nor a nobody account exists to run PostgreSQL as',
  );
}

function accountIds(name: string): { uid: number; gid: number } | undefined {
  try {
    const fields = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).split(':');
    return { uid: Number(fields[2]), gid: Number(fields[3]) };
  } catch {
    return undefined;
  }
}

/**
 * Create and start a private cluster in a new temp directory on a free loopback port: no root,
 * no system service, and nothing left behind after `stop()`. fsync is off: the data is
 * throwaway, and the suite runs faster without it.
 */
export async function startPostgresCluster(binDir: string): Promise<PostgresCluster> {
  const account = serverAccount();
  const root = mkdtempSync(join(tmpdir(), 'pgcache-pg-'));
  const dataDir = join(root, 'data');
  const pwfile = join(root, 'pwfile');
  writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
  if (account.uid >= 0) {
    chmodSync(root, 0o700);
    chownSync(root, account.uid, account.gid);
    chownSync(pwfile, account.uid, account.gid);
  }
  const exec = async (cmd: string[]): Promise<void> => {
    const [file, ...args] = account.wrap(cmd);
    await run(file ?? '', args, { cwd: root, env: { ...process.env, LC_ALL: 'C' } });
  };
  const bin = (name: string): string => join(binDir, name);
  await exec([
    bin('initdb'),
    '-D',
    dataDir,
    '-U',
    USER,
    `--pwfile=${pwfile}`,
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  let port = 0;
  for (let attempt = 1; ; attempt += 1) {
    port = await freePort();
    const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
    try {
      await exec([
        bin('pg_ctl'),
        '-D',
        dataDir,
        '-o',
        options,
        '-l',
        join(root, 'server.log'),
        '-w',
        '-t',
        '60',
        'start',
      ]);
      break;
    } catch (error) {
      // Another program may have taken the port between the probe and the start.
      if (attempt >= 3) throw error;
    }
  }
  await exec([bin('createdb'), '-h', root, '-p', String(port), '-U', USER, DATABASE]);
  let stopped = false;
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`,
    binDir,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      try {
        await exec([bin('pg_ctl'), '-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}
