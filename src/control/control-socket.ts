import { lstatSync, unlinkSync } from 'node:fs';
import { resolve } from 'node:path';

/** The control socket's name inside a data directory, beside the lock file. */
export const CONTROL_SOCKET_NAME = 'pgcache.sock';

// A Unix socket path holds at most 104 bytes on macOS and 108 on Linux, the final NUL included.
const MAX_SOCKET_PATH = 103;

/**
 * Where the owner of `dataDir` listens for other pgcache processes: `DATA_DIR/pgcache.sock`, or
 * undefined when that path is too long for a Unix socket.
 */
export function controlSocketPath(dataDir: string): string | undefined {
  const path = resolve(dataDir, CONTROL_SOCKET_NAME);
  return Buffer.byteLength(path) <= MAX_SOCKET_PATH ? path : undefined;
}

/** Why {@link controlSocketPath} gave no path. */
export function socketPathTooLong(dataDir: string): string {
  const path = resolve(dataDir, CONTROL_SOCKET_NAME);
  return `its control socket path ${path} is ${Buffer.byteLength(path)} bytes, longer than a Unix socket allows (${MAX_SOCKET_PATH})`;
}

/**
 * Remove the socket file at `path` if there is one (left by an owner that died, or by this
 * process); true when one was removed. Anything but a socket is left alone.
 */
export function removeSocketFile(path: string): boolean {
  try {
    if (!lstatSync(path).isSocket()) return false;
    unlinkSync(path);
    return true;
  } catch {
    return false;
  }
}
