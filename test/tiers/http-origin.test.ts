import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { Deadline } from '../../src/resilience/deadline.js';
import { HttpOrigin } from '../../src/tiers/http-origin.js';
import { originUrl, redactUrl } from '../../src/tiers/origin-url.js';
import { parseKey } from '../../src/store/keys.js';
import { TestOrigin } from '../support/test-origin.js';

describe('HttpOrigin', () => {
  const clock = new ManualClock();
  const deadline = (): Deadline => Deadline.after(clock, 30_000);
  let origin: TestOrigin;
  beforeAll(async () => {
    origin = await TestOrigin.start();
  });
  afterAll(async () => {
    await origin.close();
  });

  it('fills the URL template from the key, URL-encoded', () => {
    const t = 'https://h/{namespace}/{kind}/{framework}/{name}.json?k={key}';
    expect(originUrl(t, parseKey('component:react:button'))).toBe(
      'https://h/component/component/react/button.json?k=component%3Areact%3Abutton',
    );
    expect(originUrl(t, parseKey('user-1:a/b'))).toBe(
      'https://h/user-1/generic//a%2Fb.json?k=user-1%3Aa%2Fb',
    );
    expect(redactUrl('https://me:pw@h/{key}')).toBe('https://me:***@h/{key}');
    expect(redactUrl('https://TOKEN@h/{key}')).toBe('https://***@h/{key}');
  });

  it('sends the configured headers, reads JSON, treats 404 as no such key, and PUTs JSON', async () => {
    const http = new HttpOrigin(
      { urlTemplate: origin.template, headers: { Authorization: 'Bearer s3cr3t' } },
      { clock },
    );
    expect(await http.get('component:react:card', deadline())).toMatchObject({
      found: true,
      value: { name: 'card' },
    });
    expect(await http.get('component:react:none', deadline())).toEqual({ found: false });
    await http.put('component:vue:x', '{"a":1}', deadline());
    expect(origin.requests.map((r) => [r.method, r.path, r.headers['authorization']])).toEqual([
      ['GET', '/react/card.json', 'Bearer s3cr3t'],
      ['GET', '/react/none.json', 'Bearer s3cr3t'],
      ['PUT', '/vue/x.json', 'Bearer s3cr3t'],
    ]);
    expect(origin.requests[2]?.headers['content-type']).toBe('application/json');
  });

  it('fails with E_ORIGIN_UNAVAILABLE naming the URL and status, never a header value', async () => {
    const http = new HttpOrigin(
      { urlTemplate: origin.template, headers: { Authorization: 'Bearer s3cr3t' } },
      { clock },
    );
    origin.failWith(401);
    const error = await http.get('component:react:card', deadline()).catch((e: unknown) => e);
    origin.failWith(undefined);
    expect(error).toMatchObject({
      code: 'E_ORIGIN_UNAVAILABLE',
      exitCode: 69,
      message: `origin GET ${origin.base}/react/card.json failed: HTTP 401`,
      hint: expect.stringContaining('refused the credentials'),
    });
    expect(JSON.stringify(error) + String((error as Error).stack)).not.toContain('s3cr3t');
    const gone = await TestOrigin.start();
    const template = gone.template;
    await gone.close();
    const closed = new HttpOrigin({ urlTemplate: template }, { clock });
    await expect(closed.get('component:react:card', deadline())).rejects.toMatchObject({
      message: expect.stringMatching(/failed: ECONNREFUSED$/),
    });
  });
});
