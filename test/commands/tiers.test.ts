import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { runCli } from '../support/cli.js';
import { copyTemplateDataDir, emptyDir } from '../support/data-dir.js';
import { TestOrigin } from '../support/test-origin.js';

describe('get, set, stats and maintain through the tiers', () => {
  let dataDir: string;
  let origin: TestOrigin;
  const clock = new ManualClock(Date.now());
  const cli = (...argv: string[]) => runCli(['--data-dir', dataDir, ...argv], { clock });
  beforeAll(async () => {
    dataDir = copyTemplateDataDir();
    origin = await TestOrigin.start();
  });
  afterAll(async () => {
    await origin.close();
  });

  it('get reads through to the origin once; --json says which tier answered', async () => {
    const first = await cli('get', 'component:react:button', '--origin', origin.template, '--json');
    expect(first.exitCode).toBe(0);
    expect(first.json()).toMatchObject({
      found: true,
      tier: 'l3',
      stale: false,
      kind: 'component',
    });
    const again = await cli('get', 'component:react:button', '--origin', origin.template, '--json');
    expect(again.json()).toMatchObject({ tier: 'l2', stale: false });
    expect(origin.count()).toBe(1);
    expect((await cli('get', 'component:react:nope', '--origin', origin.template)).exitCode).toBe(
      1,
    );
    // Each CLI process starts with an empty L1.
    expect((await cli('get', 'component:react:button', '--tier', 'l1')).exitCode).toBe(1);
    const noOrigin = await cli('get', 'component:react:button', '--tier', 'l3', '--json');
    expect([noOrigin.exitCode, noOrigin.error().code]).toEqual([78, 'E_CONFIG']);
  });

  it('a failing origin is exit 69 with no cached copy, and a stale copy within --grace otherwise', async () => {
    origin.failWith(503);
    try {
      const down = await cli('get', 'component:react:card', '--origin', origin.template, '--json');
      expect(down.exitCode).toBe(69);
      expect(down.error()).toMatchObject({
        code: 'E_ORIGIN_UNAVAILABLE',
        message: expect.stringContaining(
          'HTTP 503; there is no cached copy of component:react:card',
        ),
      });
      await cli('set', 'component:react:old', '"old"', '--ttl', '1s');
      clock.advance(2000);
      const stale = await cli(
        'get',
        'component:react:old',
        '--origin',
        origin.template,
        '--grace',
        '1h',
        '--json',
      );
      expect(stale.exitCode).toBe(0);
      expect(stale.json()).toMatchObject({ value: 'old', tier: 'l2', stale: true });
      expect(stale.stderr).toMatch(/component:react:old expired 1s ago; served a stale copy/);
    } finally {
      origin.failWith(undefined);
    }
  });

  it('write-behind: set queues the write, stats shows the outbox, maintain sends it', async () => {
    const set = await cli(
      'set',
      'component:react:wb',
      '{"a":1}',
      '--strategy',
      'write-behind',
      '--origin',
      origin.template,
    );
    expect(set.stdout).toMatch(
      /^stored component:react:wb \(7 bytes, expires in 1d\); queued for the origin/,
    );
    const stats = await cli('stats', '--json');
    expect(stats.json()).toMatchObject({
      outbox: { depth: 1, keys: 1, retrying: 0 },
      tiers: { l2: { hits: expect.any(Number), latencyMs: { count: expect.any(Number) } } },
      origin: { requests: expect.any(Number), failures: expect.any(Number) },
    });
    expect((await cli('stats')).stdout).toMatch(/^outbox: +1 waiting \(1 keys\)/m);
    const maintain = await cli('maintain', '--origin', origin.template, '--json');
    expect(maintain.json()).toMatchObject({
      outbox: { flushed: { sent: 1, failed: 0 }, waiting: { depth: 0 } },
    });
    expect(origin.stored.get('/react/wb.json')).toBe('{"a":1}');
  });
});

describe('namespaces and origin headers from the config file', () => {
  let origin: TestOrigin;
  beforeAll(async () => {
    origin = await TestOrigin.start();
  });
  afterAll(async () => {
    await origin.close();
  });

  it('enforces quotas with exit 75, shows them in stats, and sends headers it never prints', async () => {
    const cwd = emptyDir();
    writeFileSync(
      join(cwd, 'pgcache.config.json'),
      JSON.stringify({
        dataDir: copyTemplateDataDir(),
        origin: { url: origin.template, headers: { Authorization: 'Bearer ${TEST_TOKEN}' } },
        namespaces: { 'user-42': { maxEntries: 1 } },
      }),
    );
    const env = { TEST_TOKEN: 's3cr3t' };
    const cli = (...argv: string[]) => runCli(argv, { cwd, env });
    expect((await cli('set', '--namespace', 'user-42', 'prefs', '{"x":1}')).exitCode).toBe(0);
    const over = await cli('set', '--namespace', 'user-42', 'other', '2', '--json');
    expect(over.exitCode).toBe(75);
    expect(over.error()).toMatchObject({
      code: 'E_QUOTA_EXCEEDED',
      message: 'namespace user-42 would hold 2 entries (quota 1); nothing was written',
    });
    const stats = await cli('stats', '--namespace', 'user-42', '--json');
    expect(stats.json()).toMatchObject({
      namespaces: [{ namespace: 'user-42', entries: 1, used: { entries: 100, bytes: null } }],
    });
    expect((await cli('get', '--namespace', 'user-42', 'prefs')).stdout).toBe('{"x":1}\n');

    expect((await cli('get', 'component:react:card')).exitCode).toBe(0);
    expect(origin.requests[0]?.headers['authorization']).toBe('Bearer s3cr3t');
    origin.failWith(401);
    const refused = await cli('get', 'component:vue:button');
    expect(refused.exitCode).toBe(69);
    expect(refused.stderr).toMatch(/HTTP 401/);
    const missing = await runCli(['get', 'component:vue:button', '--json'], { cwd, env: {} });
    expect(missing.exitCode).toBe(78);
    expect(missing.error().message).toBe(
      'origin.headers: header Authorization refers to ${TEST_TOKEN}, which is not set',
    );
    for (const run of [refused, missing, stats])
      expect(run.stdout + run.stderr).not.toContain('s3cr3t');
  });
});
