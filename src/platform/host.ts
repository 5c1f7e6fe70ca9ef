import { hostname } from 'node:os';
import process from 'node:process';

/**
 * What the core needs to know about the machine and this process: the one place in src/ that
 * reads the process, so that the lock can tell a live owner from a stale one.
 */
export interface Host {
  /** This process's id. */
  readonly pid: number;
  /** This machine's host name. */
  readonly hostname: string;
  /** True when a process with `pid` exists on this machine. */
  isAlive(pid: number): boolean;
}

/** The real host: `process.pid`, `os.hostname()` and signal 0 to probe a pid. */
export const nodeHost: Host = {
  pid: process.pid,
  hostname: hostname(),
  isAlive(pid) {
    if (!Number.isInteger(pid) || pid <= 0) return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      // EPERM: the process exists but belongs to someone else.
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
};
