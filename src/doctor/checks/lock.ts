import { existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { LOCK_FILE_NAME, acquireDataDirLock } from '../../db/data-dir-lock.js';
import { redactUrl } from '../../config/redact-url.js';
import type { LockOwner } from '../../errors/index.js';
import { controlSocketPath } from '../../control/control-socket.js';
import { PGDATA_DIR_NAME, clearStaleSocket } from '../../store/open-store.js';
import { pass, problem, skipped, type Check, type CheckResult } from '../check.js';
import type { DoctorContext } from '../doctor-context.js';

const POSTMASTER_PID = 'postmaster.pid';

/** Who owns the data directory: nobody, a live process, or a dead one (a stale lock). */
export const lockCheck: Check = {
  id: 'lock',
  title: 'ownership lock: free, a live owner, or stale; leftover postmaster.pid',
  fixes: "removes a stale lock and PGlite's leftover postmaster.pid (never a live owner's)",
  run(ctx) {
    const config = ctx.config;
    if (config === undefined) {
      return Promise.resolve(
        skipped('the configuration does not load', 'Fix the config check first.'),
      );
    }
    if (config.databaseUrl !== undefined) {
      return Promise.resolve(
        pass(
          `not used: PostgreSQL arbitrates between processes (${redactUrl(config.databaseUrl)})`,
        ),
      );
    }
    return Promise.resolve(judgeLock(ctx, config.dataDir));
  },
  fix(ctx) {
    const dataDir = ctx.config?.dataDir;
    if (dataDir === undefined || !ctx.embedded) return Promise.resolve(undefined);
    const state = ctx.lock(dataDir).state;
    if (state !== 'stale' && !(state === 'free' && leftoverPid(dataDir))) {
      return Promise.resolve(undefined);
    }
    // Taking the lock clears a stale one atomically (and never displaces a live owner); holding
    // it while removing postmaster.pid makes sure no process opens the store meanwhile.
    const done: string[] = [];
    const lock = acquireDataDirLock(dataDir, ctx.deps, {
      onStaleLock: (owner) => {
        done.push(`removed the stale lock of pid ${owner.pid} (started ${owner.startedAt})`);
        if (clearStaleSocket(dataDir, owner)) done.push('removed its control socket');
      },
    });
    try {
      if (leftoverPid(dataDir)) {
        unlinkSync(join(dataDir, PGDATA_DIR_NAME, POSTMASTER_PID));
        done.push(`removed PGlite's leftover ${POSTMASTER_PID}`);
      }
    } finally {
      lock.release();
    }
    return Promise.resolve(done.length === 0 ? undefined : done.join('; '));
  },
};

function judgeLock(ctx: DoctorContext, dataDir: string): CheckResult {
  const path = join(dataDir, LOCK_FILE_NAME);
  const lock = ctx.lock(dataDir);
  const leftover = leftoverPid(dataDir);
  const pidFile = join(dataDir, PGDATA_DIR_NAME, POSTMASTER_PID);
  switch (lock.state) {
    case 'free':
      return leftover
        ? problem(
            'warn',
            `no lock, but PGlite's ${pidFile} is left over: a process was killed with the store open`,
            'Run `pgcache doctor --fix` to remove it (PGlite ignores it; the next open replaces it).',
          )
        : pass('no lock: no process owns the data directory');
    case 'live': {
      const reachable = lock.owner.endpoints?.control === controlSocketPath(dataDir);
      const through = reachable ? '; doctor goes through it' : '; it has no control socket';
      return pass(`owned by live pid ${describeOwner(lock.owner)}${through}`, {
        owner: lock.owner,
      });
    }
    case 'stale':
      return problem(
        'fail',
        `stale lock: pid ${lock.owner.pid} (started ${lock.owner.startedAt}) is no longer running${leftover ? `, and PGlite's ${POSTMASTER_PID} is left over` : ''}`,
        `Run \`pgcache doctor --fix\` to remove it (or delete ${path}).`,
        { owner: lock.owner },
      );
    case 'foreign':
      return problem(
        'warn',
        `locked by pid ${lock.owner.pid} on another host (${lock.owner.host}) since ${lock.owner.startedAt}; whether it still runs cannot be told from here`,
        `If nothing on ${lock.owner.host} uses ${dataDir} any more, delete ${path}.`,
        { owner: lock.owner },
      );
    case 'unreadable':
      return problem(
        'fail',
        `the lock file is unreadable: ${lock.reason}`,
        `If no pgcache process uses ${dataDir}, delete ${path}.`,
      );
  }
}

function describeOwner(owner: LockOwner): string {
  const { pg, http, socket } = owner.endpoints ?? {};
  const endpoints = [
    pg === undefined ? undefined : `postgres ${pg.host}:${pg.port}`,
    http?.url,
    socket,
  ].filter((e) => e !== undefined);
  const serving = endpoints.length > 0 ? `, serving ${endpoints.join(', ')}` : '';
  return `${owner.pid}, running since ${owner.startedAt}${serving}`;
}

function leftoverPid(dataDir: string): boolean {
  return existsSync(join(dataDir, PGDATA_DIR_NAME, POSTMASTER_PID));
}
