import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NamespacePolicies } from '../../src/namespaces/namespace-policy.js';
import { startServe, type ServeHandle } from '../../src/serve/serve.js';
import type { Store } from '../../src/store/store.js';
import type { ManualClock } from '../../src/clock.js';
import { openTestStore } from '../support/open-test-store.js';

const POLICIES: NamespacePolicies = { limited: { ratePerSec: 1, burst: 2 } };
const JSON_TYPE = { 'content-type': 'application/json' };

describe("serve's HTTP API follows HTTP", () => {
  let store: Store;
  let clock: ManualClock;
  let serve: ServeHandle;
  let url: string;
  const request = (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${url}${path}`, init);
  const errorOf = async (res: Response): Promise<{ code: string; message: string }> =>
    ((await res.json()) as { error: { code: string; message: string } }).error;

  beforeAll(async () => {
    ({ store, clock } = await openTestStore({ namespaces: POLICIES }, undefined, { thread: true }));
    serve = await startServe(store, {
      clock,
      namespaces: POLICIES,
      token: 'tok',
      publicHealth: true,
    });
    url = serve.endpoints.http.url;
  });
  afterAll(async () => {
    await serve.close();
    await store.close();
  });
  const auth = { authorization: 'Bearer tok' };

  it('answers HEAD wherever GET works: same status and headers, no body', async () => {
    await request('/v1/entries/app:h', {
      method: 'PUT',
      headers: { ...auth, ...JSON_TYPE },
      body: JSON.stringify({ value: { h: 1 } }),
    });
    for (const path of ['/v1/entries/app:h', '/v1/entries', '/v1/stats', '/healthz', '/metrics']) {
      const get = await request(path, { headers: auth });
      const head = await request(path, { method: 'HEAD', headers: auth });
      expect([path, head.status]).toEqual([path, get.status]);
      expect(head.headers.get('content-type')).toBe(get.headers.get('content-type'));
      expect(await head.text()).toBe('');
    }
    const absent = await request('/v1/entries/app:none', { method: 'HEAD', headers: auth });
    expect(absent.status).toBe(404);
    const maintain = await request('/v1/maintain', { method: 'HEAD', headers: auth });
    expect(maintain.status).toBe(405);
    expect(maintain.headers.get('allow')).toBe('POST');
  });

  it('refuses a body that is not application/json with 415, and stores nothing', async () => {
    const form = await request('/v1/entries/app:form', {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: '{"value":1}',
    });
    expect(form.status).toBe(415);
    expect(await errorOf(form)).toMatchObject({ code: 'E_UNSUPPORTED_MEDIA_TYPE' });
    const typed = await request('/v1/entries/app:form', {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json; charset=utf-8' },
      body: '{"value":1}',
    });
    expect(typed.status).toBe(200);
    expect(await store.get('app:form')).toMatchObject({ value: 1 });
  });

  it('refuses unknown body fields and query parameters with 400, naming them', async () => {
    const typo = await request('/v1/maintain', {
      method: 'POST',
      headers: { ...auth, ...JSON_TYPE },
      body: JSON.stringify({ dryrun: 1 }),
    });
    expect(typo.status).toBe(400);
    expect(await errorOf(typo)).toMatchObject({
      code: 'E_USAGE',
      message: 'unknown field dryrun in the body of POST /v1/maintain',
    });
    // The typo ran no maintenance.
    expect((await store.stats()).lastMaintenance).toBeNull();
    const put = await request('/v1/entries/app:x', {
      method: 'PUT',
      headers: { ...auth, ...JSON_TYPE },
      body: JSON.stringify({ value: 1, tll: '1h' }),
    });
    expect(put.status).toBe(400);
    expect((await errorOf(put)).message).toBe(
      'unknown field tll in the body of PUT /v1/entries/KEY',
    );
    expect(await store.get('app:x')).toBeUndefined();
    const list = await request('/v1/entries?prefix=app:&limt=5&sort=key', { headers: auth });
    expect(list.status).toBe(400);
    expect((await errorOf(list)).message).toBe(
      'unknown query parameters limt, sort on /v1/entries',
    );
    const stats = await request('/v1/stats?verbose=1', { headers: auth });
    expect(stats.status).toBe(400);
    // A path with no route is 404, a method a route does not take 405, whatever the query says.
    expect((await request('/v1/nope?x=1', { headers: auth })).status).toBe(404);
    const post = await request('/v1/stats?x=1', { method: 'POST', headers: auth });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  });

  it('tags an entry (ETag) and answers If-None-Match with 304 until it changes', async () => {
    const put = (value: unknown): Promise<Response> =>
      request('/v1/entries/app:tagged', {
        method: 'PUT',
        headers: { ...auth, ...JSON_TYPE },
        body: JSON.stringify({ value, ttl: 'never' }),
      });
    await put({ v: 1 });
    const first = await request('/v1/entries/app:tagged', { headers: auth });
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]{27}"$/);
    const again = await request('/v1/entries/app:tagged', {
      headers: { ...auth, 'if-none-match': `W/"other", ${etag}` },
    });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(await again.text()).toBe('');
    await put({ v: 2 });
    const changed = await request('/v1/entries/app:tagged', {
      headers: { ...auth, 'if-none-match': etag ?? '' },
    });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it('sends RateLimit-* headers on a limited namespace, beside Retry-After when refused', async () => {
    const get = (): Promise<Response> => request('/v1/entries/limited:1', { headers: auth });
    const first = await get();
    expect(first.status).toBe(404);
    expect(first.headers.get('ratelimit-limit')).toBe('2');
    expect(first.headers.get('ratelimit-remaining')).toBe('1');
    expect(first.headers.get('ratelimit-reset')).toBe('1');
    expect((await get()).headers.get('ratelimit-remaining')).toBe('0');
    const refused = await get();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('ratelimit-limit')).toBe('2');
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('ratelimit-reset')).toBe('1');
    // Others are still served, without the headers of a namespace that has no rate.
    const other = await request('/v1/entries/app:form', { headers: auth });
    expect(other.status).toBe(200);
    expect(other.headers.get('ratelimit-limit')).toBeNull();
    clock.advance(2000);
    expect((await get()).status).toBe(404);
  });

  it('answers /healthz without the token under --public-health, and nothing else', async () => {
    const health = await request('/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    expect((await request('/healthz', { method: 'HEAD' })).status).toBe(200);
    expect((await request('/v1/stats')).status).toBe(401);
    expect((await request('/metrics')).status).toBe(401);
    expect((await request('/healthz/../v1/stats')).status).toBe(401);
  });
});
