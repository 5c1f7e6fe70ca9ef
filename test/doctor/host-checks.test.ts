import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { LOCK_FILE_NAME } from '../../src/db/data-dir-lock.js';
import { MIN_NODE_MAJOR, PINNED_PACKAGES } from '../../src/doctor/checks/runtime.js';
import { ConfigError } from '../../src/errors/index.js';
import { nodeHost } from '../../src/platform/host.js';
import { PGDATA_DIR_NAME, openStore, type OpenStoreOptions } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { copyTemplateDataDir, emptyDir } from '../support/data-dir.js';
import { runTestDoctor } from '../support/doctor.js';
import { startHolder } from '../support/hold-store.js';

const DEAD_PID = 2 ** 22 + 7;
const writeLock = (dataDir: string, owner: object) =>
  writeFileSync(join(dataDir, LOCK_FILE_NAME), JSON.stringify(owner));

describe('doctor: runtime and configuration', () => {
  it('runtime: passes with the pinned versions installed (the pins match package.json)', async () => {
    const pkg = JSON.parse(
      readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8'),
    ) as {
      dependencies: Record<string, string>;
      engines: { node: string };
    };
    for (const [name, version] of Object.entries(PINNED_PACKAGES))
      expect(pkg.dependencies[name]).toBe(version);
    expect(pkg.engines.node).toBe(`>=${MIN_NODE_MAJOR}`);
    const run = await runTestDoctor(undefined, { checks: ['runtime'] });
    expect(run.check('runtime')).toMatchObject({
      status: 'pass',
      detail: `Node ${process.versions.node} (>= 20); @electric-sql/pglite 0.5.14, @electric-sql/pglite-socket 0.2.17, cockatiel 3.2.1`,
    });
  });

  it('runtime: an old Node and a package off its pin fail, each with its fix', async () => {
    const run = await runTestDoctor(undefined, {
      checks: ['runtime'],
      host: { ...nodeHost, nodeVersion: '18.19.0' },
      packageVersion: (name) => (name === 'cockatiel' ? '4.0.0' : PINNED_PACKAGES[name]),
    });
    expect(run.check('runtime')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(
        /^Node 18.19.0 is older than the supported 20; cockatiel is 4.0.0, pinned 3.2.1 — /,
      ),
      fix: 'Install Node 20 or later (e.g. `nvm install 20`). Run `npm ci` to install the pinned versions from package-lock.json.',
    });
  });

  it('config: every setting with its value and source, the database password redacted', async () => {
    const loaded = loadConfig({
      cwd: '/srv/app',
      flags: { timeout: 60_000, databaseUrl: 'postgres://app:secret@db:5432/cache' },
      env: { PGCACHE_MAX_SIZE: '50MB' },
      readConfigFile: false,
    });
    const run = await runTestDoctor(undefined, { checks: ['config'], config: loaded });
    const check = run.check('config');
    expect(check.status).toBe('pass');
    expect(check.detail).toMatch(
      /^flag: databaseUrl=postgres:\/\/app:\*\*\*@db:5432\/cache \(--database-url\), timeoutMs=1m \(--timeout\); env: maxSizeBytes=47.7 MiB \(PGCACHE_MAX_SIZE\); default: dataDir=.pgcache, defaultTtlMs=1d, .*operationTimeoutMs=5s, /,
    );
    expect(JSON.stringify(check.data)).not.toContain('secret');
    expect((check.data?.['settings'] as unknown[]).length).toBe(loaded.settings.length);
    expect(check.data?.['settings']).toContainEqual({
      key: 'maxSizeBytes',
      value: 50_000_000,
      source: 'env',
      origin: 'PGCACHE_MAX_SIZE',
    });
  });

  it('config: a timeout hierarchy that cannot fit and a file that does not load fail with the exact fix; a contradiction warns', async () => {
    const tight = loadConfig({
      cwd: '/',
      flags: { timeout: 5000, queueWaitTimeout: 10_000 },
      readConfigFile: false,
    });
    expect(
      (await runTestDoctor(undefined, { checks: ['config'], config: tight })).check('config'),
    ).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(
        /^queue.waitTimeoutMs \(10s, from --queue-wait-timeout\) \+ retry.attempts \(3\) × operationTimeoutMs \(1.3s, from default .*\) = 13.8s does not fit in timeoutMs \(5s, from --timeout\)/,
      ),
      fix: expect.stringMatching(/^Raise --timeout to at least 13.8s/),
    });
    const unreadable = new ConfigError(
      'config file /srv/pgcache.config.json has an unknown setting "nope"',
      {
        hint: 'Known settings: dataDir, …',
      },
    );
    expect(
      (await runTestDoctor(undefined, { checks: ['config'], config: unreadable })).check('config'),
    ).toEqual({
      id: 'config',
      title: expect.any(String),
      status: 'fail',
      detail: 'config file /srv/pgcache.config.json has an unknown setting "nope"',
      fix: 'Known settings: dataDir, …',
    });
    const contradictory = await runTestDoctor(undefined, {
      checks: ['config'],
      settings: { maxSizeBytes: '512KB', maxEntryBytes: '1MB' },
    });
    expect(contradictory.check('config')).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(
        /^maxEntryBytes \(976.6 KiB\) is above maxSizeBytes \(500.0 KiB\): one entry can fill the store — /,
      ),
    });
  });
});

describe('doctor: data directory, lock and open', () => {
  const children: { kill(): boolean }[] = [];
  afterAll(() => children.forEach((c) => c.kill()));

  it('data-dir: a private store passes; a missing directory, an empty one, a loose mode, another owner and a full disk do not', async () => {
    const healthy = copyTemplateDataDir();
    chmodSync(healthy, 0o700);
    const pass = (await runTestDoctor(healthy, { checks: ['data-dir'] })).check('data-dir');
    expect(pass).toMatchObject({
      status: 'pass',
      detail: expect.stringMatching(/: mode 0700, owned by this user, .* free$/),
    });

    const missing = join(emptyDir(), 'nope');
    expect(
      (await runTestDoctor(missing, { checks: ['data-dir'] })).check('data-dir'),
    ).toMatchObject({
      status: 'fail',
      detail: `${missing} does not exist`,
      fix: expect.stringMatching(/^Run `pgcache init`/),
    });
    const empty = emptyDir();
    chmodSync(empty, 0o755);
    const loose = (await runTestDoctor(empty, { checks: ['data-dir'] })).check('data-dir');
    expect(loose).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(
        /^it holds no store; mode 0755: other users can read the cache — /,
      ),
      fix: `Run \`pgcache init --data-dir ${empty}\` to create one. Run \`chmod 700 ${empty}\`.`,
    });
    const host = { ...nodeHost, uid: 4242 };
    const other = await runTestDoctor(healthy, {
      checks: ['data-dir'],
      host,
      thresholds: { lowDiskBytes: 2 ** 60 },
    });
    expect(other.check('data-dir')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(
        /^owned by uid \d+, not by this user \(uid 4242\); only .* free on its file system \(below 1048576.0 TiB\) — /,
      ),
    });
    const full = await runTestDoctor(healthy, {
      checks: ['data-dir'],
      thresholds: { lowDiskBytes: 2 ** 60, criticalDiskBytes: 2 ** 59 },
    });
    expect(full.check('data-dir').status).toBe('fail');
    const low = await runTestDoctor(healthy, {
      checks: ['data-dir'],
      thresholds: { lowDiskBytes: 2 ** 60, criticalDiskBytes: 1 },
    });
    expect(low.check('data-dir')).toMatchObject({
      status: 'warn',
      fix: expect.stringContaining('Free disk space'),
    });
  });

  it('lock: a stale lock fails and blocks opening; --fix removes it with the leftover postmaster.pid, and a second --fix finds nothing', async () => {
    const dataDir = copyTemplateDataDir();
    writeLock(dataDir, { pid: DEAD_PID, host: hostname(), startedAt: '2026-11-01T00:00:00.000Z' });
    writeFileSync(join(dataDir, PGDATA_DIR_NAME, 'postmaster.pid'), '-42\n/pglite/data\n');
    const broken = await runTestDoctor(dataDir, { checks: ['lock', 'open', 'schema'] });
    expect(broken.check('lock')).toMatchObject({
      status: 'fail',
      detail: `stale lock: pid ${DEAD_PID} (started 2026-11-01T00:00:00.000Z) is no longer running, and PGlite's postmaster.pid is left over`,
      fix: `Run \`pgcache doctor --fix\` to remove it (or delete ${join(dataDir, LOCK_FILE_NAME)}).`,
    });
    expect(broken.check('open')).toMatchObject({
      status: 'skip',
      detail: `skipped: a stale lock of pid ${DEAD_PID} is in the way`,
    });
    expect(existsSync(join(dataDir, LOCK_FILE_NAME))).toBe(true);

    const fixed = await runTestDoctor(dataDir, { checks: ['lock', 'open'], fix: true });
    expect(fixed.check('lock')).toMatchObject({
      status: 'pass',
      detail: 'no lock: no process owns the data directory',
      fixed: `removed the stale lock of pid ${DEAD_PID} (started 2026-11-01T00:00:00.000Z); removed PGlite's leftover postmaster.pid`,
    });
    expect(fixed.check('open').status).toBe('pass');
    const again = await runTestDoctor(dataDir, { checks: ['lock'], fix: true });
    expect(again.report.summary).toEqual({ pass: 1, warn: 0, fail: 0, skip: 0, fixed: 0 });
  });

  it('lock: a leftover postmaster.pid alone warns; a lock from another host warns; an unreadable one fails', async () => {
    const dataDir = copyTemplateDataDir();
    writeFileSync(join(dataDir, PGDATA_DIR_NAME, 'postmaster.pid'), '-42\n');
    expect((await runTestDoctor(dataDir, { checks: ['lock'] })).check('lock')).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(
        /^no lock, but PGlite's .*postmaster.pid is left over: a process was killed with the store open$/,
      ),
    });
    writeLock(dataDir, { pid: 77, host: 'elsewhere', startedAt: '2026-11-01T00:00:00.000Z' });
    expect(
      (await runTestDoctor(dataDir, { checks: ['lock', 'open'] })).report.checks.map((c) => [
        c.status,
        c.detail,
      ]),
    ).toEqual([
      ['warn', expect.stringMatching(/^locked by pid 77 on another host \(elsewhere\) since/)],
      ['skip', 'skipped: locked by pid 77 on another host (elsewhere)'],
    ]);
    writeFileSync(join(dataDir, LOCK_FILE_NAME), 'garbage');
    expect(
      (await runTestDoctor(dataDir, { checks: ['lock'], fix: true })).check('lock'),
    ).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/^the lock file is unreadable: /),
    });
  });

  it('lock: a live owner without a control socket is reported with its pid; the checks that need the store are skipped, never forced', async () => {
    const dataDir = copyTemplateDataDir();
    const { child: holder, pid } = await startHolder(dataDir, { timeout: 60_000, control: false });
    children.push(holder);
    const run = await runTestDoctor(dataDir, {
      checks: ['lock', 'open', 'integrity', 'connections'],
      fix: true,
    });
    expect(run.check('lock')).toMatchObject({
      status: 'pass',
      detail: expect.stringMatching(
        new RegExp(`^owned by live pid ${pid}, running since \\S+; it has no control socket$`),
      ),
      data: { owner: expect.objectContaining({ pid }) },
    });
    for (const id of ['open', 'integrity', 'connections']) {
      expect(run.check(id)).toMatchObject({
        status: 'skip',
        skipped: true,
        detail: expect.stringMatching(
          new RegExp(
            `^skipped: owned by pid ${pid} \\(running since .*\\), which has no control socket`,
          ),
        ),
        fix: expect.stringMatching(
          new RegExp(
            `^Stop pid ${pid} and run .* or open the store there with its control socket on`,
          ),
        ),
      });
    }
    holder.stdin?.end();
    expect((await holder).stdout).toContain('closed');
  });

  it('open: no store fails with the init hint; a budget too small fails; a slow open warns', async () => {
    const empty = emptyDir();
    expect(
      (await runTestDoctor(empty, { checks: ['open', 'schema'] })).report.checks,
    ).toMatchObject([
      {
        id: 'open',
        status: 'fail',
        detail: `there is no store in ${empty}`,
        fix: expect.stringMatching(/^Run `pgcache init`/),
      },
      {
        id: 'schema',
        status: 'skip',
        detail: 'skipped: the store did not open (see the open check)',
      },
    ]);
    const dataDir = copyTemplateDataDir();
    expect(
      (await runTestDoctor(dataDir, { checks: ['open'], thresholds: { openBudgetMs: 1 } })).check(
        'open',
      ),
    ).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(
        /^the store did not open \(after \d+ms\): \[E_DEADLINE_EXCEEDED\] the store did not open within 1ms$/,
      ),
    });
    // The abandoned open is closed in the background; wait for its lock to go.
    await expect
      .poll(() => existsSync(join(dataDir, LOCK_FILE_NAME)), { timeout: 10_000 })
      .toBe(false);
    expect(
      (await runTestDoctor(dataDir, { checks: ['open'], thresholds: { openWarnMs: 0 } })).check(
        'open',
      ),
    ).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(/^opened PGlite 0.5.14 .* in [\d.]+m?s, slower than 0ms$/),
    });
  });
});

describe('doctor: leaked connections', () => {
  it('the lifecycle probe passes on a store that closes, and names what a leaking store leaves open', async () => {
    const dataDir = copyTemplateDataDir();
    const healthy = await runTestDoctor(dataDir, { checks: ['connections'] });
    expect(healthy.check('connections')).toMatchObject({
      status: 'pass',
      detail: expect.stringMatching(
        /^3 open\/close cycles \(opens [\d.]+m?s, [\d.]+m?s, [\d.]+m?s\); handles 0 → 0; no resource left active; memory [+−]/,
      ),
    });

    const leaked: Store[] = [];
    let opened = 0;
    // The doctor's own store closes; every store the probe opens "forgets" to.
    const leaky = async (options: OpenStoreOptions): Promise<Store> => {
      const store = await openStore(options);
      if ((opened += 1) === 1) return store;
      leaked.push(store);
      return new Proxy(store, {
        get(target, name) {
          if (name === 'close') return () => Promise.resolve();
          const value: unknown = Reflect.get(target, name, target);
          return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
        },
      });
    };
    try {
      const run = await runTestDoctor(dataDir, { checks: ['connections'], openStore: leaky });
      const { status, detail, fix } = run.check('connections');
      expect(status).toBe('fail');
      expect(detail).toMatch(
        new RegExp(
          `^1 database handle still open after 3 open/close cycles: embedded ${dataDir}/pgdata \\(opened .* ago\\)(; still active after the probe: .*)? — `,
        ),
      );
      expect(fix).toMatch(/never closes it: close every openStore\(\) result/);
    } finally {
      await Promise.all(leaked.map((s) => s.close()));
    }
  });

  it('a handle already open in this process before the probe warns; memory growth above the threshold warns', async () => {
    const other = await openStore({ dataDir: copyTemplateDataDir() });
    try {
      const run = await runTestDoctor(copyTemplateDataDir(), {
        checks: ['connections'],
        thresholds: { memoryGrowthBytes: -(2 ** 40) },
      });
      expect(run.check('connections')).toMatchObject({
        status: 'warn',
        detail: expect.stringMatching(
          /^1 database handle already open in this process before the probe: embedded .*; memory grew by at least .* at every open\/close cycle — .*handles 1 → 1/,
        ),
      });
    } finally {
      await other.close();
    }
  });
});
