import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startServe, type ServeHandle } from '../../src/serve/serve.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { VERSION } from '../../src/version.js';
import { copyTemplateDataDir, emptyDir } from '../support/data-dir.js';

// Send raw HTTP bytes (what fetch refuses to send) and read everything until the server closes.
function rawRequest(url: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(url).port), '127.0.0.1', () => socket.write(text));
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
}

describe("serve's HTTP API", () => {
  let store: Store;
  let serve: ServeHandle;
  let url: string;
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body === undefined
        ? {}
        : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return {
      status: res.status,
      json: (await res.json()) as Record<string, unknown>,
      headers: res.headers,
    };
  };

  beforeAll(async () => {
    store = await openStore({
      dataDir: copyTemplateDataDir(),
      migrations: 'require',
      thread: true,
      settings: { maxEntryBytes: 1000 },
    });
    serve = await startServe(store, { maxBodyBytes: 4096 });
    url = serve.endpoints.http.url;
  });
  afterAll(async () => {
    await serve.close();
    await store.close();
  });
  beforeEach(async () => {
    await store.delete((await store.list({ includeExpired: true, limit: 1000 })).map((e) => e.key));
  });

  it('PUT, GET and DELETE one entry, with its TTL in the body or in the x-pgcache-ttl header', async () => {
    const put = await call('PUT', '/v1/entries/component:react:button', {
      value: { code: '<b/>' },
      ttl: '30s',
    });
    expect(put).toMatchObject({
      status: 200,
      json: { key: 'component:react:button', kind: 'component', framework: 'react', sizeBytes: 15 },
    });
    const expires =
      Date.parse(put.json['expiresAt'] as string) - Date.parse(put.json['updatedAt'] as string);
    expect(expires).toBe(30_000);
    const header = await call(
      'PUT',
      '/v1/entries/app:forever',
      { value: 1 },
      { 'x-pgcache-ttl': 'never' },
    );
    expect(header.json['expiresAt']).toBeNull();
    expect(await call('GET', '/v1/entries/component:react:button')).toMatchObject({
      status: 200,
      json: { key: 'component:react:button', found: true, value: { code: '<b/>' }, sizeBytes: 15 },
    });
    expect(await call('DELETE', '/v1/entries/app:forever')).toMatchObject({
      status: 200,
      json: { removed: 1 },
    });
    expect(await call('DELETE', '/v1/entries/app:forever')).toMatchObject({
      status: 404,
      json: { removed: 0 },
    });
    expect(await call('GET', '/v1/entries/app:forever')).toMatchObject({
      status: 404,
      json: { key: 'app:forever', found: false, value: null },
    });
  });

  it('answers bad input with the error code, hint and exit code, and stores nothing', async () => {
    const cases: [unknown, number, string][] = [
      [{ value: 1, ttl: '30s' }, 400, 'E_USAGE'], // with the header below: both given
      ['{"value": ', 400, 'E_INVALID_JSON'],
      [{ nothing: 1 }, 400, 'E_USAGE'],
      [{ value: 'x'.repeat(1500) }, 413, 'E_VALUE_TOO_LARGE'],
      [{ value: 'x'.repeat(5000) }, 413, 'E_VALUE_TOO_LARGE'], // over the body limit itself
    ];
    for (const [i, [body, status, code]] of cases.entries()) {
      const res = await call(
        'PUT',
        '/v1/entries/app:bad',
        body,
        i === 0 ? { 'x-pgcache-ttl': '1m' } : {},
      );
      expect(res).toMatchObject({ status, json: { error: { code, hint: expect.any(String) } } });
    }
    expect(await call('PUT', '/v1/entries/bad%20key', { value: 1 })).toMatchObject({
      status: 400,
      json: { error: { code: 'E_INVALID_KEY', exitCode: 2 } },
    });
    expect((await call('GET', '/v1/entries/app:bad')).status).toBe(404);
  });

  it('answers a request target that is not a URL with 400 E_USAGE, and goes on serving', async () => {
    const answer = await rawRequest(
      url,
      'GET //[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as unknown;
    expect(body).toMatchObject({
      error: { code: 'E_USAGE', exitCode: 2, hint: expect.any(String) },
    });
    expect((await call('GET', '/healthz')).status).toBe(200);
  });

  it('answers a key that is not valid percent-encoding with 400 E_INVALID_KEY', async () => {
    expect(await call('GET', '/v1/entries/a%E0%A4%A')).toMatchObject({
      status: 400,
      json: { error: { code: 'E_INVALID_KEY', exitCode: 2, hint: expect.any(String) } },
    });
  });

  it('names the line and column of a body that is not JSON', async () => {
    expect(await call('PUT', '/v1/entries/app:bad', '{"value":\n  nope}')).toMatchObject({
      status: 400,
      json: {
        error: {
          code: 'E_INVALID_JSON',
          exitCode: 65,
          message: expect.stringMatching(
            /^the request body is not valid JSON: .* line 2, column 3/,
          ),
        },
      },
    });
  });

  it('lists by prefix, kind and JSON field, as list --json does', async () => {
    await store.set('component:react:a', { tags: { level: 1 } });
    await store.set('component:vue:b', { tags: { level: 2 } });
    await store.set('user:1', { role: 'admin' });
    const keys = async (query: string) =>
      ((await call('GET', `/v1/entries?${query}`)).json['entries'] as { key: string }[]).map(
        (e) => e.key,
      );
    expect(await keys('kind=component')).toEqual(['component:react:a', 'component:vue:b']);
    expect(await keys('prefix=user:')).toEqual(['user:1']);
    expect(await keys('where=tags.level%3D2')).toEqual(['component:vue:b']);
    expect(await keys('where=role%3Dadmin&kind=generic')).toEqual(['user:1']);
    expect(await call('GET', '/v1/entries?kind=widget')).toMatchObject({
      status: 400,
      json: { error: { code: 'E_USAGE' } },
    });
  });

  it('serves the stats document, health, maintenance and Prometheus metrics with latency histograms', async () => {
    await call('PUT', '/v1/entries/app:m', { value: 1 });
    await call('GET', '/v1/entries/app:m');
    const stats = await call('GET', '/v1/stats');
    expect(stats.json).toMatchObject({
      schemaVersion: 1,
      entries: { total: 1 },
      connections: { wire: { current: 0, max: 100, clients: [] } },
      breakers: [expect.objectContaining({ name: 'store', state: 'closed' })],
      owner: { pid: process.pid, name: 'pgcache', version: VERSION },
      removed: { expired: 0, evicted: 0 },
    });
    const owner = stats.json['owner'] as { uptimeMs: number; memory: { rss: number } };
    expect(owner.memory.rss).toBeGreaterThan(0);
    expect(owner.uptimeMs).toBeGreaterThanOrEqual(0);
    const ops = stats.json['operations'] as { total: number; byName: Record<string, number> };
    expect(ops.byName['set']).toBeGreaterThan(0);
    expect(ops.total).toBeGreaterThanOrEqual(ops.byName['set'] ?? 0);
    expect(await call('GET', '/healthz')).toMatchObject({
      status: 200,
      json: { status: 'ok', state: 'open' },
    });
    expect(await call('GET', '/v1/connections')).toMatchObject({
      status: 200,
      json: { schemaVersion: 1, wire: { current: 0, peak: 0, max: 100, clients: [] } },
    });
    expect(await call('POST', '/v1/maintain', { dryRun: true })).toMatchObject({
      status: 200,
      json: { schemaVersion: 1, dryRun: true, expiredPurged: 0 },
    });
    const res = await fetch(`${url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('# TYPE pgcache_entries gauge\npgcache_entries{kind="component"} 0');
    expect(text).toContain('pgcache_breaker_state{name="store",state="closed"} 1');
    expect(text).toContain('pgcache_wire_connections 0');
    expect(text).toMatch(
      /pgcache_operation_duration_seconds_bucket\{operation="get",le="\+Inf"\} [1-9]\d*\n/,
    );
    expect(text).toMatch(/pgcache_operation_duration_seconds_count\{operation="set"\} [1-9]/);
    expect(text).toMatch(/pgcache_http_requests_total\{operation="get",status="404"\} [1-9]/);
    expect(text).toContain(
      `pgcache_build_info{version="${VERSION}",node="${process.versions.node}"`,
    );
    expect(text).toContain('pgcache_entries_evicted_total 0');
    expect(text).toContain('pgcache_instance_thread 1');
    expect(text).toContain('pgcache_queue_pending 0\n');
    expect(text).toMatch(/^pgcache_queue_pending_peak \d+$/m);
    expect(text).toContain('pgcache_queue_bytes 0\n');
    expect(text).toContain('pgcache_queue_head_wait_seconds 0\n');
    expect(text).toMatch(/^pgcache_store_calls_total\{operation="set"\} [1-9]\d*$/m);
    // The standard families, by prom-client.
    expect(text).toMatch(/^process_resident_memory_bytes [1-9]\d*$/m);
    expect(text).toMatch(/^process_start_time_seconds \d+/m);
    expect(text).toMatch(/^nodejs_heap_size_total_bytes [1-9]\d*$/m);
    expect(text).toMatch(/^nodejs_version_info\{version="v20/m);
    expect(text).not.toMatch(/^pgcache_hits_total/m);
  });

  it('answers an unknown route with 404 and a wrong method with 405', async () => {
    expect(await call('GET', '/v2/nothing')).toMatchObject({
      status: 404,
      json: { error: { code: 'E_NOT_FOUND' } },
    });
    const res = await call('POST', '/v1/entries/app:x', { value: 1 });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, PUT, DELETE');
  });
});

describe("serve's HTTP API with a token", () => {
  it('refuses a request without the bearer token (401) and serves one with it', async () => {
    const store = await openStore({
      dataDir: copyTemplateDataDir(),
      migrations: 'require',
      thread: true,
    });
    const serve = await startServe(store, { token: 't0ken' });
    try {
      const { url } = serve.endpoints.http;
      const denied = await fetch(`${url}/healthz`);
      expect(denied.status).toBe(401);
      expect(denied.headers.get('www-authenticate')).toBe('Bearer realm="pgcache"');
      expect(await denied.json()).toMatchObject({ error: { code: 'E_UNAUTHORIZED' } });
      expect(
        (await fetch(`${url}/healthz`, { headers: { authorization: 'Bearer wrong' } })).status,
      ).toBe(401);
      expect(
        (await fetch(`${url}/healthz`, { headers: { authorization: 'Bearer t0ken' } })).status,
      ).toBe(200);
    } finally {
      await serve.close();
      await store.close();
    }
  });

  it('refuses to listen beyond loopback without a token', async () => {
    const store = await openStore({
      dataDir: copyTemplateDataDir(),
      migrations: 'require',
      thread: true,
    });
    try {
      await expect(startServe(store, { host: '0.0.0.0' })).rejects.toMatchObject({
        code: 'E_USAGE',
      });
    } finally {
      await store.close();
    }
  });

  it("refuses a store whose PGlite runs in the caller's thread, and the store goes on serving its owner", async () => {
    const store = await openStore({ dataDir: copyTemplateDataDir(), migrations: 'require' });
    try {
      await expect(startServe(store)).rejects.toMatchObject({
        code: 'E_USAGE',
        hint: expect.stringContaining('openStore({ thread: true })'),
      });
      await store.set('after', 1);
      expect((await store.get('after'))?.value).toBe(1);
    } finally {
      await store.close();
    }
  });
});

describe("serve's HTTP API limits", () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore({
      dataDir: copyTemplateDataDir(),
      migrations: 'require',
      thread: true,
    });
  });
  afterAll(() => store.close());

  it('closes the wire endpoint it opened when its unix socket cannot listen', async () => {
    const servers = (): number =>
      process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
    const before = servers();
    await expect(
      startServe(store, { socketPath: join(emptyDir(), 'missing', '.s.PGSQL.5432') }),
    ).rejects.toMatchObject({ code: 'E_STORE_UNAVAILABLE' });
    // A closed server's handle goes once libuv has closed it, a moment after close() resolves.
    await expect.poll(servers).toBe(before);
  });

  it('drops a client that sends its body slower than the request budget (408)', async () => {
    const serve = await startServe(store, { requestTimeoutMs: 200 });
    try {
      const { url } = serve.endpoints.http;
      const answer = await rawRequest(
        url,
        'PUT /v1/entries/app:slow HTTP/1.1\r\nHost: x\r\ncontent-length: 100\r\n\r\n{"va',
      );
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect(await store.get('app:slow')).toBeUndefined();
    } finally {
      await serve.close();
    }
  });
});
