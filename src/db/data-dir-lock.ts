import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../clock.js';
import { StoreLockedError, StoreUnavailableError, type LockOwner } from '../errors/index.js';
import type { Host } from '../platform/host.js';

/** The lock file's name inside a data directory. */
export const LOCK_FILE_NAME = 'pgcache.lock';

/** What a data directory's lock file says, as read by {@link readLock}. */
export type LockState =
  | { readonly state: 'free' }
  | { readonly state: 'live'; readonly owner: LockOwner }
  | { readonly state: 'stale'; readonly owner: LockOwner }
  | { readonly state: 'foreign'; readonly owner: LockOwner }
  | { readonly state: 'unreadable'; readonly reason: string };

/** Dependencies of the lock. */
export interface DataDirLockDeps {
  readonly host: Host;
  readonly clock: Clock;
}

/** Options of {@link acquireDataDirLock}. */
export interface AcquireLockOptions {
  /** Called when a stale lock (dead pid on this host) is cleared. */
  readonly onStaleLock?: (owner: LockOwner) => void;
  /** The control socket the owner will listen on, written in the lock from the start. */
  readonly control?: string | undefined;
}

/** An acquired data-directory lock; `release()` is idempotent. */
export interface DataDirLock {
  readonly path: string;
  readonly owner: LockOwner;
  /** Replace the endpoints the lock file advertises (the control socket, `serve`'s). */
  advertise(endpoints: NonNullable<LockOwner['endpoints']>): void;
  /** Remove the lock file, if it is still ours. */
  release(): void;
}

// A lock file this young may be half-written by its creator; look again before judging it.
const FRESH_MS = 2000;

// Lock files this process holds, by their real path (the same directory reached through a symlink
// is the same lock). A lock naming our own pid that is not in this set was left by an earlier
// process that had the same pid (common in containers): it is stale, not ours.
const HELD_KEY = Symbol.for('pgcache.held-locks');
const heldPaths: Set<string> =
  ((globalThis as Record<symbol, unknown>)[HELD_KEY] as Set<string> | undefined) ?? new Set();
(globalThis as Record<symbol, unknown>)[HELD_KEY] = heldPaths;

// The real path of an existing lock file (as given when it cannot be resolved).
function heldKey(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** Read and judge the lock file of `dataDir` without changing anything. */
export function readLock(dataDir: string, host: Host): LockState {
  const path = join(dataDir, LOCK_FILE_NAME);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'free' };
    return { state: 'unreadable', reason: (error as Error).message };
  }
  const owner = parseOwner(text);
  if (owner === undefined)
    return { state: 'unreadable', reason: `${path} does not hold a pgcache lock` };
  if (owner.host !== host.hostname) return { state: 'foreign', owner };
  const alive = owner.pid === host.pid ? heldPaths.has(heldKey(path)) : host.isAlive(owner.pid);
  return alive ? { state: 'live', owner } : { state: 'stale', owner };
}

/**
 * Take the exclusive lock of `dataDir` (created with `O_EXCL`, so exactly one process wins).
 * A live owner is never displaced: this throws {@link StoreLockedError} naming its pid. A lock
 * whose pid is dead on this host is stale: it is cleared (with `onStaleLock`) and taken.
 */
export function acquireDataDirLock(
  dataDir: string,
  deps: DataDirLockDeps,
  options: AcquireLockOptions = {},
): DataDirLock {
  const path = join(dataDir, LOCK_FILE_NAME);
  const owner: LockOwner = {
    pid: deps.host.pid,
    host: deps.host.hostname,
    startedAt: new Date(deps.clock.now()).toISOString(),
    ...(options.control === undefined ? {} : { endpoints: { control: options.control } }),
  };
  for (let attempt = 0; attempt < 5; attempt += 1) {
    if (tryCreate(path, owner)) {
      const key = heldKey(path);
      heldPaths.add(key);
      return heldLock(path, key, owner);
    }
    const state = readLock(dataDir, deps.host);
    switch (state.state) {
      case 'free':
        continue;
      case 'live':
        throw lockedError(dataDir, state.owner, deps.host);
      case 'foreign':
        throw new StoreLockedError(
          `data directory ${dataDir} is locked by pid ${state.owner.pid} on another host (${state.owner.host})`,
          state.owner,
          { hint: `If nothing on ${state.owner.host} uses it any more, delete ${path}.` },
        );
      case 'stale':
        if (takeOverStale(path, state.owner)) options.onStaleLock?.(state.owner);
        continue;
      case 'unreadable':
        if (ageMs(path, deps.clock) < FRESH_MS) {
          throw new StoreLockedError(
            `data directory ${dataDir} is being locked by another process right now`,
            owner,
            {
              hint: 'Retry in a moment.',
            },
          );
        }
        throw new StoreUnavailableError(`lock file ${path} is unreadable: ${state.reason}`, {
          hint: `Run \`pgcache doctor\`; if no pgcache process uses ${dataDir}, delete ${path}.`,
        });
    }
  }
  throw new StoreLockedError(
    `could not take the lock of ${dataDir}: it keeps changing hands`,
    owner,
    {
      hint: 'Another process is opening the same data directory; retry in a moment.',
    },
  );
}

function lockedError(dataDir: string, owner: LockOwner, host: Host): StoreLockedError {
  const self = owner.pid === host.pid;
  const reachable = owner.endpoints?.control !== undefined;
  return new StoreLockedError(
    self
      ? `data directory ${dataDir} is already open in this process`
      : `data directory ${dataDir} is owned by pid ${owner.pid} (running since ${owner.startedAt})`,
    owner,
    {
      hint: self
        ? 'Open it with the same settings to get a handle on the open store (or pass that store around); a wrapped database needs the directory to itself.'
        : reachable
          ? `pgcache commands go through pid ${owner.pid} (its control socket ${owner.endpoints?.control}); a second openStore() cannot share the directory: wait for pid ${owner.pid} to close it.`
          : `pid ${owner.pid} holds it without a control socket (it opened the store with control: false, or it is an older pgcache), so nothing can go through it: let it finish, or open the store there with the control socket on (the default).`,
    },
  );
}

function tryCreate(path: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new StoreUnavailableError(
      `cannot create lock file ${path}: ${(error as Error).message}`,
      {
        cause: error,
        hint: 'Check that the data directory is writable by this user.',
      },
    );
  }
  try {
    writeSync(fd, `${JSON.stringify(owner)}\n`);
    fsyncSync(fd);
  } catch (error) {
    // An empty lock file would keep every process out: take it back.
    unlinkQuietly(path);
    throw new StoreUnavailableError(`cannot write lock file ${path}: ${(error as Error).message}`, {
      cause: error,
      hint: 'Check the free space and permissions of the data directory.',
    });
  } finally {
    closeSync(fd);
  }
  return true;
}

// Move the stale file aside (rename is atomic: one process wins), then check that what was moved
// is the stale lock that was judged, and put it back if another process replaced it meanwhile.
function takeOverStale(path: string, stale: LockOwner): boolean {
  const aside = `${path}.stale-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch {
    return false;
  }
  const moved = parseOwner(safeRead(aside));
  if (moved?.pid !== stale.pid || moved.startedAt !== stale.startedAt) {
    try {
      linkSync(aside, path);
    } catch {
      // Someone created a new lock in the meantime; theirs stands.
    }
    unlinkQuietly(aside);
    return false;
  }
  unlinkQuietly(aside);
  return true;
}

function heldLock(path: string, key: string, owner: LockOwner): DataDirLock {
  let current = owner;
  let released = false;
  const stillOurs = (): boolean => {
    const onDisk = parseOwner(safeRead(path));
    return onDisk?.pid === owner.pid && onDisk.startedAt === owner.startedAt;
  };
  return {
    path,
    get owner() {
      return current;
    },
    advertise(endpoints) {
      current = { ...owner, endpoints };
      const temp = `${path}.${owner.pid}.tmp`;
      try {
        writeFileSync(temp, `${JSON.stringify(current)}\n`, { mode: 0o600 });
        renameSync(temp, path);
      } catch (error) {
        unlinkQuietly(temp);
        throw new StoreUnavailableError(
          `cannot record the endpoints in ${path}: ${(error as Error).message}`,
          { cause: error, hint: 'Check the free space and permissions of the data directory.' },
        );
      }
    },
    release() {
      if (released) return;
      released = true;
      heldPaths.delete(key);
      if (stillOurs()) unlinkQuietly(path);
    },
  };
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (
      typeof value.pid === 'number' &&
      typeof value.host === 'string' &&
      typeof value.startedAt === 'string'
    ) {
      return value as LockOwner;
    }
  } catch {
    // fall through
  }
  return undefined;
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function ageMs(path: string, clock: Clock): number {
  try {
    return clock.now() - statSync(path).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
