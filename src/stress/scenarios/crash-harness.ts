import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../clock.js';
import { directorySize } from '../../db/directory-size.js';
import { StoreLockedError } from '../../errors/index.js';
import type { Host } from '../../platform/host.js';
import {
  PGDATA_DIR_NAME,
  prepareDataDir,
  storeExists,
  type OpenStoreOptions,
} from '../../store/open-store.js';
import type { Store } from '../../store/store.js';

/** A running crash-scenario writer. */
export interface CrashChildProcess {
  /** Kill it with SIGKILL; resolves with every key it acknowledged, once it is gone. */
  kill(): Promise<{ readonly acknowledged: readonly string[]; readonly exit: string }>;
}

/** What the crash scenario needs: a scratch store, a child writer to kill, and a way to reopen. */
export interface CrashHarness {
  /** A migrated data directory of the run's own (made on first use, reused by every round). */
  scratchDir(): Promise<string>;
  /** Start a writer child on `dataDir`, writing keys under `prefix`; resolves once it writes. */
  start(dataDir: string, prefix: string): Promise<CrashChildProcess>;
  /** Open the store on `dataDir` as the next process would (the dead child's lock is stale). */
  reopen(dataDir: string): Promise<Store>;
  /** Remove the scratch directory. Idempotent. */
  dispose(): void;
}

/** What {@link openCrashHarness} builds on. */
export interface CrashHarnessDeps {
  /** The configured embedded store, copied as the scratch store when small enough. */
  readonly sourceDataDir: string | undefined;
  readonly openStore: (options: OpenStoreOptions) => Promise<Store>;
  readonly startChild: (dataDir: string, prefix: string) => Promise<CrashChildProcess>;
  readonly clock: Clock;
  readonly host: Host;
}

/** Copy the configured store when it is at most this big; otherwise create a fresh one (initdb). */
const COPY_AT_MOST_BYTES = 256 * 1024 * 1024;

// Copy the configured store under its lock; false when there is none, it is too big, or another
// process (a serve) owns it.
function copyStore(deps: CrashHarnessDeps, dir: string): boolean {
  const from = deps.sourceDataDir;
  if (from === undefined || !storeExists(from) || directorySize(from) > COPY_AT_MOST_BYTES) {
    return false;
  }
  let lock;
  try {
    lock = prepareDataDir(from, { clock: deps.clock, host: deps.host });
  } catch (error) {
    if (error instanceof StoreLockedError) return false;
    throw error;
  }
  try {
    cpSync(join(from, PGDATA_DIR_NAME), join(dir, PGDATA_DIR_NAME), { recursive: true });
    return true;
  } finally {
    lock.release();
  }
}

/**
 * The crash scenario's harness. Its scratch store is a copy of the configured store taken under
 * that store's lock (a migrated directory opens in well under a second), or a brand-new store
 * when there is nothing small enough to copy, or another process owns it. The child owns the scratch store while it runs;
 * this process opens it only after the child is dead.
 */
export function openCrashHarness(deps: CrashHarnessDeps): CrashHarness {
  let root: string | undefined;
  let scratch: Promise<string> | undefined;
  const quiet = { onWarning: () => undefined };
  return {
    scratchDir() {
      scratch ??= (async () => {
        root = mkdtempSync(join(tmpdir(), 'pgcache-stress-crash-'));
        const dir = join(root, 'store');
        if (!copyStore(deps, dir)) {
          const store = await deps.openStore({
            dataDir: dir,
            create: true,
            migrations: 'apply',
            ...quiet,
          });
          await store.close();
        }
        return dir;
      })();
      return scratch;
    },
    start: (dataDir, prefix) => deps.startChild(dataDir, prefix),
    reopen: (dataDir) =>
      deps.openStore({
        dataDir,
        create: false,
        migrations: 'require',
        clock: deps.clock,
        host: deps.host,
        ...quiet,
      }),
    dispose() {
      if (root !== undefined) rmSync(root, { recursive: true, force: true });
      root = undefined;
    },
  };
}
