import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import type { NamespacePolicies } from '../../src/namespaces/namespace-policy.js';
import { startServe, type ServeHandle, type ServeOptions } from '../../src/serve/serve.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { copyTemplateDataDir } from '../support/data-dir.js';
import { FaultyDatabase, sqlStateError } from '../support/faulty-database.js';
import { openTestStore } from '../support/open-test-store.js';
import { TestOrigin } from '../support/test-origin.js';

interface Reply {
  status: number;
  json: Record<string, unknown>;
  headers: Headers;
}

const call = async (url: string, method: string, path: string, body?: unknown): Promise<Reply> => {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: res.status,
    json: (await res.json()) as Record<string, unknown>,
    headers: res.headers,
  };
};

const POLICIES: NamespacePolicies = {
  noisy: { ratePerSec: 1, burst: 2 },
  small: { maxEntries: 1 },
};

describe("serve's HTTP API through the tiers", () => {
  let store: Store;
  let clock: ManualClock;
  let origin: TestOrigin;
  let serve: ServeHandle;
  let http: (method: string, path: string, body?: unknown) => Promise<Reply>;

  beforeAll(async () => {
    ({ store, clock } = await openTestStore({ namespaces: POLICIES }, undefined, { thread: true }));
    origin = await TestOrigin.start();
    serve = await startServe(store, {
      clock,
      tiers: { settings: { 'origin.url': origin.template, grace: '10m' } },
      namespaces: POLICIES,
    });
    const { url } = serve.endpoints.http;
    http = (method, path, body) => call(url, method, path, body);
  });
  afterAll(async () => {
    await serve.close();
    await store.close();
    await origin.close();
  });

  it('answers a second GET from L1 and a miss from the origin behind serve, saying which tier answered', async () => {
    await store.set('app:b', { b: 1 });
    const first = await http('GET', '/v1/entries/app:b');
    expect(first).toMatchObject({ status: 200, json: { found: true, tier: 'l2', stale: false } });
    expect(first.headers.get('x-pgcache-tier')).toBe('l2');
    const second = await http('GET', '/v1/entries/app:b');
    expect(second.json).toMatchObject({ value: { b: 1 }, tier: 'l1', stale: false });
    expect([second.headers.get('x-pgcache-tier'), second.headers.get('x-pgcache-stale')]).toEqual([
      'l1',
      'false',
    ]);

    const loaded = await http('GET', '/v1/entries/component:react:button');
    expect(loaded).toMatchObject({ status: 200, json: { kind: 'component', tier: 'l3' } });
    expect((await http('GET', '/v1/entries/component:react:button')).json['tier']).toBe('l1');
    expect(origin.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /react/button.json']);
    expect(await http('GET', '/v1/entries/component:react:nope')).toMatchObject({
      status: 404,
      json: { key: 'component:react:nope', found: false, value: null },
    });

    const put = await http('PUT', '/v1/entries/app:c', { value: 'c' });
    expect(put.json).toMatchObject({ key: 'app:c', strategy: 'read-through' });
    expect((await http('GET', '/v1/entries/app:c')).json['tier']).toBe('l1');
    expect((await http('DELETE', '/v1/entries/app:c')).json).toMatchObject({ removed: 1 });
    expect((await http('GET', '/v1/entries/app:c')).status).toBe(404);
  });

  it('serves a stale copy within the grace period while the origin fails, marked stale', async () => {
    await store.set('component:vue:card', { old: true }, { ttlMs: 1000 });
    await store.flush();
    clock.advance(2000);
    origin.failWith(503);
    try {
      const stale = await http('GET', '/v1/entries/component:vue:card');
      expect(stale).toMatchObject({
        status: 200,
        json: { value: { old: true }, tier: 'l2', stale: true },
      });
      expect(stale.headers.get('x-pgcache-stale')).toBe('true');
      expect(await http('GET', '/v1/entries/component:vue:nothing')).toMatchObject({
        status: 503,
        json: { error: { code: 'E_ORIGIN_UNAVAILABLE', exitCode: 69 } },
      });
    } finally {
      origin.failWith(undefined);
    }
  });

  it('answers a namespace over its rate with 429 and Retry-After; other namespaces go on', async () => {
    expect((await http('GET', '/v1/entries/noisy:1')).status).toBe(404);
    expect((await http('GET', '/v1/entries/noisy:2')).status).toBe(404);
    const refused = await http('PUT', '/v1/entries/noisy:3', { value: 3 });
    expect(refused).toMatchObject({
      status: 429,
      json: { error: { code: 'E_RATE_LIMITED', exitCode: 75, hint: expect.any(String) } },
    });
    expect(refused.headers.get('retry-after')).toBe('1');
    expect((await http('GET', '/v1/entries?namespace=noisy')).status).toBe(429);
    expect((await http('GET', '/v1/entries/quiet:1')).status).toBe(404);
    expect((await http('GET', '/v1/entries?namespace=quiet')).status).toBe(200);
    clock.advance(1000);
    expect((await http('PUT', '/v1/entries/noisy:3', { value: 3 })).status).toBe(200);
    expect(await store.get('noisy:3')).toMatchObject({ value: 3 });
  });

  it('answers a write over the namespace quota with 507 and stores nothing', async () => {
    expect((await http('PUT', '/v1/entries/small:a', { value: 'a' })).status).toBe(200);
    const full = await http('PUT', '/v1/entries/small:b', { value: 'b' });
    expect(full).toMatchObject({
      status: 507,
      json: { error: { code: 'E_QUOTA_EXCEEDED', exitCode: 75 } },
    });
    expect(full.headers.get('retry-after')).toBeNull();
    expect((await http('GET', '/v1/entries/small:b')).status).toBe(404);
  });

  it('puts the tier, origin, outbox and namespace figures in /v1/stats and /metrics', async () => {
    await http('GET', '/v1/entries/component:react:button');
    const { json } = await http('GET', '/v1/stats');
    expect(json).toMatchObject({
      schemaVersion: 1,
      entries: { total: expect.any(Number) },
      tiers: { l1: { hits: expect.any(Number) }, l3: { hits: 1 } },
      origin: { requests: expect.any(Number), staleServed: 1 },
      outbox: { depth: 0 },
      namespaces: [
        expect.objectContaining({ namespace: 'noisy', entries: 1 }),
        expect.objectContaining({
          namespace: 'small',
          entries: 1,
          used: { bytes: null, entries: 100 },
        }),
      ],
    });
    const tiers = json['tiers'] as Record<string, { hits: number; misses: number }>;
    expect(tiers['l1']?.hits).toBeGreaterThanOrEqual(4);
    const text = await (await fetch(`${serve.endpoints.http.url}/metrics`)).text();
    expect(text).toContain('# TYPE pgcache_tier_hits_total counter');
    expect(text).toContain(`pgcache_tier_hits_total{tier="l1"} ${tiers['l1']?.hits}`);
    expect(text).toMatch(
      /pgcache_tier_lookup_duration_seconds_bucket\{tier="l1",le="0\.00001"\} \d+\n/,
    );
    expect(text).toMatch(/pgcache_tier_lookup_duration_seconds_count\{tier="l3"\} [1-9]/);
    expect(text).toContain('pgcache_stale_served_total 1');
    expect(text).toContain('pgcache_outbox_depth 0');
    expect(text).toContain('pgcache_http_requests_total{operation="list",status="429"} 1');
    expect(text).toContain('pgcache_http_requests_total{operation="set",status="429"} 1');
    expect(text).toContain('pgcache_http_requests_total{operation="set",status="507"} 1');
  });
});

describe('the write-behind outbox under serve', () => {
  let origin: TestOrigin;
  let store: Store;
  const start = (options: ServeOptions): Promise<ServeHandle> =>
    startServe(store, {
      tiers: { settings: { 'origin.url': origin.template, strategy: 'write-behind' } },
      ...options,
    });

  beforeAll(async () => {
    origin = await TestOrigin.start();
    store = await openStore({
      dataDir: copyTemplateDataDir(),
      migrations: 'require',
      thread: true,
    });
  });
  afterAll(async () => {
    await store.close();
    await origin.close();
  });

  it('is sent by the flusher while serving, and drained on close; nothing stays behind', async () => {
    const flushing = await start({ outboxFlushMs: 50 });
    const put = (serve: ServeHandle, name: string) =>
      call(serve.endpoints.http.url, 'PUT', `/v1/entries/component:react:${name}`, { value: name });
    expect((await put(flushing, 'sent')).json).toMatchObject({ strategy: 'write-behind' });
    await vi.waitFor(() => expect(origin.stored.get('/react/sent.json')).toBe('"sent"'));
    await flushing.close();

    const onShutdown = await start({ outboxFlushMs: 0 });
    await put(onShutdown, 'drained');
    expect((await onShutdown.stats()).outbox).toMatchObject({ depth: 1 });
    expect(origin.stored.has('/react/drained.json')).toBe(false);
    await onShutdown.close();
    expect(origin.stored.get('/react/drained.json')).toBe('"drained"');
    const after = await start({ outboxFlushMs: 0 });
    expect((await after.stats()).outbox?.depth).toBe(0);
    await after.close();
  });

  it('refuses to start a strategy that writes the origin without one', async () => {
    await expect(
      startServe(store, { tiers: { settings: { strategy: 'write-through' } } }),
    ).rejects.toMatchObject({
      code: 'E_CONFIG',
      message: expect.stringMatching(/needs an origin/),
    });
  });
});

describe("serve with the store's breaker open", () => {
  it('still answers /v1/stats and /metrics, tier figures included', async () => {
    const store = await openStore({
      dataDir: copyTemplateDataDir(),
      migrations: 'require',
      thread: true,
      settings: { 'retry.attempts': 1, 'breaker.threshold': 3, 'breaker.halfOpenAfterMs': '5m' },
      wrapDatabase: (db: Database) =>
        new FaultyDatabase(db).failNext(
          /FROM pgcache_entries WHERE key = /,
          3,
          sqlStateError('08006', 'connection failure'),
        ),
    });
    const serve = await startServe(store);
    try {
      const { url } = serve.endpoints.http;
      // Counts wait to be written (an L1 hit), then reads fail until the breaker opens: the
      // figures answer all the same (without the counts that could not be written).
      expect((await call(url, 'PUT', '/v1/entries/app:1', { value: 1 })).status).toBe(200);
      expect((await call(url, 'GET', '/v1/entries/app:1')).json['tier']).toBe('l1');
      for (let i = 0; i < 3; i += 1) {
        expect((await call(url, 'GET', '/v1/entries/app:2')).status).toBe(503);
      }
      expect(await call(url, 'GET', '/v1/entries/app:2')).toMatchObject({
        status: 503,
        json: { error: { code: 'E_CIRCUIT_OPEN' } },
      });
      expect(await call(url, 'GET', '/v1/stats')).toMatchObject({
        status: 200,
        json: {
          breakers: [expect.objectContaining({ state: 'open' })],
          tiers: { l1: { hits: expect.any(Number) } },
        },
      });
      const metrics = await fetch(`${url}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toMatch(/^pgcache_tier_hits_total\{tier="l1"\} \d+$/m);
    } finally {
      await serve.close();
      await store.close();
    }
  });
});
