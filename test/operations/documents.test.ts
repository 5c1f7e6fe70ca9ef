import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeOwnerOf } from '../../src/control/store-owner.js';
import { startServe, type ServeHandle } from '../../src/serve/serve.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { runCli } from '../support/cli.js';
import { copyTemplateDataDir } from '../support/data-dir.js';
import { expectGolden } from '../support/golden.js';
import { testClock } from '../support/test-clock.js';

// The JSON documents of every operation, as the CLI prints them and the HTTP API answers them,
// locked in fixtures/documents/ (PGCACHE_UPDATE_FIXTURES=1 rewrites them): a document is built in
// one place, and moving that place must not change a field.

describe('the documents of the CLI (--json)', () => {
  const dataDir = copyTemplateDataDir();
  const clock = testClock();
  const cli = (...argv: string[]) => runCli(['--data-dir', dataDir, ...argv, '--json'], { clock });
  const golden = async (name: string, exitCode: number, ...argv: string[]) => {
    const run = await cli(...argv);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(exitCode);
    expectGolden(name, run.json(), dataDir);
  };

  it('set, get, list, del, migrate status', async () => {
    await golden('cli-set', 0, 'set', 'component:react:button', '{"code":"<b/>"}', '--ttl', '1h');
    await golden('cli-get', 0, 'get', 'component:react:button');
    await golden('cli-get-absent', 1, 'get', 'app:absent');
    await golden('cli-list', 0, 'list');
    await golden('cli-del', 0, 'del', 'component:react:button', 'app:absent');
    await golden('cli-migrate-status', 0, 'migrate', 'status');
  });

  it('stats and maintain', async () => {
    await cli('set', 'block:react:card', '[1,2,3]');
    await cli('set', 'app:old', '"x"', '--ttl', '1ms');
    clock.advance(10);
    await golden('cli-stats', 0, 'stats');
    await golden('cli-maintain-dry-run', 0, 'maintain', '--dry-run');
    await golden('cli-maintain', 0, 'maintain');
  });
});

describe('the same documents through an owner (its control socket)', () => {
  const dataDir = copyTemplateDataDir();
  const clock = testClock();
  let owner: Store;
  const cli = (...argv: string[]) => runCli(['--data-dir', dataDir, ...argv, '--json']);
  beforeAll(async () => {
    // Opened in this process: the commands find its lock and go through it.
    owner = await openStore({ dataDir, migrations: 'require', clock });
  });
  afterAll(() => owner.close());

  it('set, get, list, del and migrate status', async () => {
    const golden = async (name: string, exitCode: number, ...argv: string[]) => {
      const run = await cli(...argv);
      expect(run.stderr).toBe('');
      expect(run.exitCode).toBe(exitCode);
      expectGolden(name, run.json(), dataDir);
    };
    await golden('cli-set', 0, 'set', 'component:react:button', '{"code":"<b/>"}', '--ttl', '1h');
    await golden('cli-get', 0, 'get', 'component:react:button');
    await golden('cli-get-absent', 1, 'get', 'app:absent');
    await golden('cli-list', 0, 'list');
    await golden('cli-del', 0, 'del', 'component:react:button', 'app:absent');
    await golden('cli-migrate-status', 0, 'migrate', 'status');
    expect(storeOwnerOf(owner).control()?.served).toBe(6);
  });
});

describe('the documents of the HTTP API', () => {
  let dataDir: string;
  let store: Store;
  let serve: ServeHandle;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${serve.endpoints.http.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as unknown };
  };
  const golden = async (
    name: string,
    status: number,
    method: string,
    path: string,
    body?: unknown,
  ) => {
    const answer = await call(method, path, body);
    expect(answer.status).toBe(status);
    expectGolden(name, answer.json, dataDir);
  };

  beforeAll(async () => {
    dataDir = copyTemplateDataDir();
    store = await openStore({ dataDir, migrations: 'require', clock: testClock(), thread: true });
    serve = await startServe(store, { clock: testClock() });
  });
  afterAll(async () => {
    await serve.close();
    await store.close();
  });

  it('PUT, GET, GET absent, list, DELETE', async () => {
    const key = '/v1/entries/component:react:button';
    await golden('http-put', 200, 'PUT', key, { value: { code: '<b/>' }, ttl: '1h' });
    await golden('http-get', 200, 'GET', key);
    await golden('http-get-absent', 404, 'GET', '/v1/entries/app:absent');
    await golden('http-list', 200, 'GET', '/v1/entries');
    await golden('http-delete', 200, 'DELETE', key);
  });

  it('stats, maintain, healthz', async () => {
    await call('PUT', '/v1/entries/block:react:card', { value: [1, 2, 3] });
    await golden('http-stats', 200, 'GET', '/v1/stats');
    await golden('http-maintain', 200, 'POST', '/v1/maintain', { dryRun: true });
    await golden('http-healthz', 200, 'GET', '/healthz');
  });
});
