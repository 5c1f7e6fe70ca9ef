import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { ManualClock } from '../../src/clock.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCK_FILE_NAME, acquireDataDirLock, readLock } from '../../src/db/data-dir-lock.js';
import { emptyDir } from '../support/data-dir.js';
import { fakeHost } from '../support/fake-host.js';

const clock = new ManualClock(Date.UTC(2026, 10, 22, 12));
const writeLock = (dir: string, owner: object): void =>
  writeFileSync(join(dir, LOCK_FILE_NAME), JSON.stringify(owner));

describe('data-directory lock', () => {
  it('writes pid, host and start time, and removes the file on release (twice is harmless)', () => {
    const dir = emptyDir();
    const lock = acquireDataDirLock(dir, { host: fakeHost({ pid: 11 }), clock });
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8'))).toEqual({
      pid: 11,
      host: 'test-host',
      startedAt: '2026-11-22T12:00:00.000Z',
    });
    lock.release();
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);
  });

  it('never displaces a live owner: E_STORE_LOCKED (exit 75) names its pid', () => {
    const dir = emptyDir();
    writeLock(dir, { pid: 4242, host: 'test-host', startedAt: '2026-11-22T11:00:00.000Z' });
    expect(() =>
      acquireDataDirLock(dir, { host: fakeHost({ pid: 11, alive: [4242] }), clock }),
    ).toThrow(
      expect.objectContaining({
        code: 'E_STORE_LOCKED',
        exitCode: 75,
        message: expect.stringContaining('owned by pid 4242'),
        owner: expect.objectContaining({ pid: 4242 }),
      }),
    );
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8'))).toMatchObject({
      pid: 4242,
    });
  });

  it('clears a stale lock (dead pid on this host) with a warning and takes it', () => {
    const dir = emptyDir();
    writeLock(dir, { pid: 4242, host: 'test-host', startedAt: '2026-11-22T11:00:00.000Z' });
    const warnings: number[] = [];
    const lock = acquireDataDirLock(
      dir,
      { host: fakeHost({ pid: 11 }), clock },
      { onStaleLock: (owner) => warnings.push(owner.pid) },
    );
    expect(warnings).toEqual([4242]);
    expect(lock.owner.pid).toBe(11);
    expect(readLock(dir, fakeHost({ pid: 99, alive: [11] }))).toMatchObject({
      state: 'live',
      owner: { pid: 11 },
    });
    lock.release();
  });

  it('treats a lock naming our own pid that this process does not hold as stale (pid reuse)', () => {
    const dir = emptyDir();
    writeLock(dir, { pid: 11, host: 'test-host', startedAt: '2026-11-01T00:00:00.000Z' });
    expect(readLock(dir, fakeHost({ pid: 11 }))).toMatchObject({ state: 'stale' });
    const lock = acquireDataDirLock(dir, { host: fakeHost({ pid: 11 }), clock });
    expect(() => acquireDataDirLock(dir, { host: fakeHost({ pid: 11 }), clock })).toThrow(
      expect.objectContaining({
        code: 'E_STORE_LOCKED',
        message: expect.stringContaining('already open in this process'),
      }),
    );
    lock.release();
  });

  it('does not judge a lock from another host: it stays, and the error says where it is from', () => {
    const dir = emptyDir();
    writeLock(dir, { pid: 5, host: 'elsewhere', startedAt: '2026-11-22T11:00:00.000Z' });
    expect(() => acquireDataDirLock(dir, { host: fakeHost(), clock })).toThrow(
      expect.objectContaining({
        code: 'E_STORE_LOCKED',
        message: expect.stringContaining('another host (elsewhere)'),
      }),
    );
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(true);
  });

  it('advertises endpoints and does not delete a lock that is no longer its own', () => {
    const dir = emptyDir();
    const lock = acquireDataDirLock(dir, { host: fakeHost({ pid: 11 }), clock });
    lock.advertise({ pg: { host: '127.0.0.1', port: 5999 } });
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8'))).toMatchObject({
      pid: 11,
      endpoints: { pg: { port: 5999 } },
    });
    writeLock(dir, { pid: 77, host: 'test-host', startedAt: '2026-11-22T13:00:00.000Z' });
    lock.release();
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8'))).toMatchObject({ pid: 77 });
  });

  it('refuses an unreadable lock file with a hint instead of deleting it', () => {
    const dir = emptyDir();
    writeFileSync(join(dir, LOCK_FILE_NAME), 'garbage');
    // Written a minute ago on the test's clock (not one being written right now).
    const minuteAgo = new Date(clock.now() - 60_000);
    utimesSync(join(dir, LOCK_FILE_NAME), minuteAgo, minuteAgo);
    expect(() => acquireDataDirLock(dir, { host: fakeHost(), clock })).toThrow(
      expect.objectContaining({ code: 'E_STORE_UNAVAILABLE' }),
    );
    expect(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8')).toBe('garbage');
  });
});
