import { statSync, statfsSync, type Stats } from 'node:fs';
import { formatBytes } from '../../config/units.js';
import { redactUrl } from '../../config/redact-url.js';
import { storeExists } from '../../store/open-store.js';
import { judge, pass, problem, skipped, type Check, type Finding } from '../check.js';
import type { DoctorContext } from '../doctor-context.js';

/** The data directory exists, holds a store, is private to its owner and has disk to spare. */
export const dataDirCheck: Check = {
  id: 'data-dir',
  title: 'data directory: exists, mode 0700, owned by this user, free disk space',
  run(ctx) {
    const config = ctx.config;
    if (config === undefined) {
      return Promise.resolve(
        skipped('the configuration does not load', 'Fix the config check first.'),
      );
    }
    if (config.databaseUrl !== undefined) {
      return Promise.resolve(
        pass(`not used: the store is on a PostgreSQL server (${redactUrl(config.databaseUrl)})`),
      );
    }
    const dir = config.dataDir;
    let stat: Stats;
    try {
      stat = statSync(dir);
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      return Promise.resolve(
        problem(
          'fail',
          missing ? `${dir} does not exist` : `cannot read ${dir}: ${(error as Error).message}`,
          missing
            ? 'Run `pgcache init` to create it, or point --data-dir / PGCACHE_DATA_DIR at your store.'
            : 'Check the permissions of the directories above it.',
        ),
      );
    }
    if (!stat.isDirectory()) {
      return Promise.resolve(
        problem(
          'fail',
          `${dir} is not a directory`,
          'Point --data-dir / PGCACHE_DATA_DIR at a directory.',
        ),
      );
    }
    return Promise.resolve(inspectDirectory(ctx, dir, stat));
  },
};

function inspectDirectory(ctx: DoctorContext, dir: string, stat: Stats) {
  const { lowDiskBytes, criticalDiskBytes } = ctx.thresholds;
  const findings: Finding[] = [];
  if (!storeExists(dir)) {
    findings.push({
      status: 'fail',
      detail: 'it holds no store',
      fix: `Run \`pgcache init --data-dir ${dir}\` to create one.`,
    });
  }
  const mode = stat.mode & 0o777;
  const octal = `0${mode.toString(8)}`;
  if ((mode & 0o700) !== 0o700) {
    findings.push({
      status: 'fail',
      detail: `mode ${octal}: this user cannot use it`,
      fix: `Run \`chmod 700 ${dir}\`.`,
    });
  } else if ((mode & 0o077) !== 0) {
    findings.push({
      status: 'warn',
      detail: `mode ${octal}: other users can read the cache`,
      fix: `Run \`chmod 700 ${dir}\`.`,
    });
  }
  const uid = ctx.deps.host.uid;
  if (uid !== undefined && stat.uid !== uid) {
    findings.push({
      status: 'fail',
      detail: `owned by uid ${stat.uid}, not by this user (uid ${uid})`,
      fix: `Run pgcache as uid ${stat.uid}, or \`chown -R ${uid} ${dir}\`.`,
    });
  }
  const fs = statfsSync(dir);
  const free = fs.bavail * fs.bsize;
  if (free < lowDiskBytes) {
    findings.push({
      status: free < criticalDiskBytes ? 'fail' : 'warn',
      detail: `only ${formatBytes(free)} free on its file system (below ${formatBytes(free < criticalDiskBytes ? criticalDiskBytes : lowDiskBytes)})`,
      fix: 'Free disk space, or run `pgcache maintain` to purge expired entries and reclaim the space they hold.',
    });
  }
  const owner =
    uid === undefined ? `uid ${stat.uid}` : stat.uid === uid ? 'this user' : `uid ${stat.uid}`;
  return judge(`${dir}: mode ${octal}, owned by ${owner}, ${formatBytes(free)} free`, findings, {
    path: dir,
    mode: octal,
    uid: stat.uid,
    freeBytes: free,
  });
}
