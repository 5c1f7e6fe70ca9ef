import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandHeaders, redactHeaders } from '../../src/config/headers.js';
import { assertValidConfig, loadConfig } from '../../src/config/load-config.js';
import { emptyDir } from '../support/data-dir.js';

const withConfig = (content: unknown): string => {
  const dir = emptyDir();
  writeFileSync(join(dir, 'pgcache.config.json'), JSON.stringify(content));
  return dir;
};

describe('tier and namespace settings', () => {
  it('reads the origin, strategy, grace, memory and namespaces; header values are never shown', () => {
    const cwd = withConfig({
      origin: {
        url: 'https://raw.example.com/{framework}/{name}.json',
        timeoutMs: '3s',
        headers: { Authorization: 'Bearer ${GITHUB_TOKEN}', 'X-Api-Key': 'literal-secret' },
      },
      strategy: 'write-behind',
      grace: '10m',
      memory: { maxBytes: '8MB' },
      namespaces: { '*': { maxBytes: '1MB' }, 'user-42': { maxEntries: 100, ratePerSec: 5 } },
    });
    const loaded = loadConfig({ cwd, env: { PGCACHE_ORIGIN_SOFT_TIMEOUT: '250ms' } });
    expect(loaded.problems).toEqual([]);
    expect(loaded.config).toMatchObject({
      origin: {
        url: 'https://raw.example.com/{framework}/{name}.json',
        timeoutMs: 3000,
        softTimeoutMs: 250,
        headers: { Authorization: 'Bearer ${GITHUB_TOKEN}', 'X-Api-Key': 'literal-secret' },
      },
      strategy: 'write-behind',
      graceMs: 600_000,
      memory: { maxBytes: 8_000_000, ttlMs: 30_000 },
      namespaces: { '*': { maxBytes: 1_000_000 }, 'user-42': { maxEntries: 100, ratePerSec: 5 } },
    });
    const shown = loaded.settings.find((s) => s.key === 'origin.headers');
    expect(shown?.value).toEqual({
      Authorization: '*** (from ${GITHUB_TOKEN})',
      'X-Api-Key': '***',
    });
    expect(JSON.stringify(loaded.settings)).not.toContain('literal-secret');
  });

  it('the flag beats the environment for --origin, --strategy and --grace', () => {
    const { config, settings } = loadConfig({
      cwd: '/',
      readConfigFile: false,
      flags: { origin: 'http://127.0.0.1:1/{key}', strategy: 'cache-aside', grace: 5000 },
      env: { PGCACHE_ORIGIN: 'http://other/{key}', PGCACHE_STRATEGY: 'write-through' },
    });
    expect([config.origin.url, config.strategy, config.graceMs]).toEqual([
      'http://127.0.0.1:1/{key}',
      'cache-aside',
      5000,
    ]);
    expect(settings.find((s) => s.key === 'strategy')).toMatchObject({ source: 'flag' });
  });

  it.each([
    [
      { PGCACHE_STRATEGY: 'write-around' },
      /strategy from PGCACHE_STRATEGY: "write-around" is not a strategy/,
    ],
    [{ PGCACHE_ORIGIN: 'https://h/{owner}/{name}' }, /unknown placeholder \{owner\}/],
    [{ PGCACHE_ORIGIN: 'ftp://h/{key}' }, /not an http:\/\/ or https:\/\/ URL/],
  ])('refuses a bad value with exit 78 (%o)', (env, message) => {
    expect(() => loadConfig({ cwd: '/', readConfigFile: false, env })).toThrow(
      expect.objectContaining({
        code: 'E_CONFIG',
        exitCode: 78,
        message: expect.stringMatching(message),
      }),
    );
  });

  it('refuses unknown namespace limits and a soft timeout that is not below the hard one', () => {
    const cwd = withConfig({ namespaces: { 'user-1': { maxBites: 10 } } });
    expect(() => loadConfig({ cwd })).toThrow(/user-1\.maxBites is not a namespace limit/);
    const loaded = loadConfig({
      cwd: '/',
      readConfigFile: false,
      env: { PGCACHE_ORIGIN_TIMEOUT: '1s', PGCACHE_ORIGIN_SOFT_TIMEOUT: '1s' },
    });
    expect(() => assertValidConfig(loaded)).toThrow(
      /origin\.softTimeoutMs \(1s, from PGCACHE_ORIGIN_SOFT_TIMEOUT\) must be shorter/,
    );
  });

  it('expands header variables only from the environment it is given, naming a missing one', () => {
    const headers = { Authorization: 'Bearer ${TOKEN}' };
    expect(expandHeaders(headers, { TOKEN: 's3cr3t' })).toEqual({ Authorization: 'Bearer s3cr3t' });
    expect(() => expandHeaders(headers, {})).toThrow(
      'header Authorization refers to ${TOKEN}, which is not set',
    );
    expect(redactHeaders(headers)).toEqual({ Authorization: '*** (from ${TOKEN})' });
  });
});
