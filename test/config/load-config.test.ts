import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertValidConfig, loadConfig } from '../../src/config/load-config.js';
import { emptyDir } from '../support/data-dir.js';

const dirWithConfig = (content: string): string => {
  const dir = emptyDir();
  writeFileSync(join(dir, 'pgcache.config.json'), content);
  return dir;
};

describe('loadConfig', () => {
  it('applies flag > environment > config file > default and records where each value came from', () => {
    const cwd = dirWithConfig(
      JSON.stringify({ maxSizeBytes: '50MB', timeoutMs: 40_000, queue: { readConcurrency: 4 } }),
    );
    const loaded = loadConfig({
      cwd,
      flags: { timeout: 20_000 },
      env: { PGCACHE_MAX_SIZE: '60MB' },
      commandTimeoutMs: 30_000,
    });
    expect(loaded.config.timeoutMs).toBe(20_000);
    expect(loaded.config.maxSizeBytes).toBe(60_000_000);
    expect(loaded.config.queue.readConcurrency).toBe(4);
    expect(loaded.config.queue.writeConcurrency).toBe(5);
    const source = (key: string) => loaded.settings.find((s) => s.key === key);
    expect(source('timeoutMs')).toMatchObject({ source: 'flag', origin: '--timeout' });
    expect(source('maxSizeBytes')).toMatchObject({ source: 'env', origin: 'PGCACHE_MAX_SIZE' });
    expect(source('queue.readConcurrency')).toMatchObject({
      source: 'file',
      origin: join(cwd, 'pgcache.config.json'),
    });
    expect(source('queue.writeConcurrency')).toMatchObject({ source: 'default', value: 5 });
    expect(loaded.config.dataDir).toBe(join(cwd, '.pgcache'));
  });

  it('derives inner budgets from the command budget so that they fit inside it', () => {
    const { config, problems } = loadConfig({
      cwd: '/',
      commandTimeoutMs: 8000,
      readConfigFile: false,
    });
    expect(config.timeoutMs).toBe(8000);
    expect(config.operationTimeoutMs).toBe(2000);
    expect(config.queue.waitTimeoutMs).toBe(2000);
    expect(problems).toEqual([]);
  });

  it('refuses a timeout hierarchy that cannot fit, naming every value and its source', () => {
    const loaded = loadConfig({
      cwd: '/',
      readConfigFile: false,
      flags: { timeout: 10_000, operationTimeout: 5000 },
      env: { PGCACHE_QUEUE_WAIT_TIMEOUT: '2s' },
    });
    expect(() => assertValidConfig(loaded)).toThrow(
      expect.objectContaining({
        code: 'E_CONFIG',
        exitCode: 78,
        message:
          'queue.waitTimeoutMs (2s, from PGCACHE_QUEUE_WAIT_TIMEOUT) + retry.attempts (3) × operationTimeoutMs (5s, from --operation-timeout) = 17s does not fit in timeoutMs (10s, from --timeout)',
      }),
    );
  });

  it('refuses an operation timeout as long as the command budget', () => {
    const loaded = loadConfig({
      cwd: '/',
      readConfigFile: false,
      flags: { timeout: 5000, operationTimeout: 5000 },
    });
    expect(loaded.problems[0]?.message).toMatch(
      /operationTimeoutMs \(5s, from --operation-timeout\) must be shorter than timeoutMs/,
    );
  });

  it.each([
    ['{ not json', /is not valid JSON/],
    ['[1, 2]', /must hold a JSON object/],
    ['{"maxSize": 5}', /unknown setting "maxSize"/],
    ['{"queue": 5}', /"queue" must be an object of settings/],
    ['{"timeoutMs": "soon"}', /timeoutMs from .*: "soon" is not a duration/],
    ['{"queue": {"readConcurrency": 0}}', /0 is below the minimum 1/],
    ['{"serve": {"token": 12345}}', /serve.token from .*: not a valid value \(not shown\)/],
    ['{"dataDir": 5}', /dataDir from .*: expected a string, got 5/],
    ['{"databaseUrl": "postgres://[::1"}', /is not a postgres:\/\/ URL/],
  ])('refuses the config file %s with exit 78', (content, message) => {
    const cwd = dirWithConfig(content);
    expect(() => loadConfig({ cwd })).toThrow(
      expect.objectContaining({
        code: 'E_CONFIG',
        exitCode: 78,
        message: expect.stringMatching(message),
      }),
    );
  });

  it("reads serve's wire limits: the hang check and the COPY buffer, by flag, environment or file", () => {
    const defaults = loadConfig({ cwd: '/', readConfigFile: false }).config.serve;
    expect(defaults).toMatchObject({ hangTimeoutMs: 30_000, maxCopyBytes: 64 * 1024 * 1024 });
    const cwd = dirWithConfig(JSON.stringify({ serve: { maxCopyBytes: '1MB' } }));
    const loaded = loadConfig({
      cwd,
      flags: { hangTimeout: 5000 },
      env: { PGCACHE_MAX_COPY: '512KiB' },
    });
    expect(loaded.config.serve).toMatchObject({ hangTimeoutMs: 5000, maxCopyBytes: 512 * 1024 });
    expect(() =>
      loadConfig({ cwd: '/', readConfigFile: false, env: { PGCACHE_HANG_TIMEOUT: 'soon' } }),
    ).toThrow(expect.objectContaining({ code: 'E_CONFIG', exitCode: 78 }));
  });

  it.each([
    [
      '{"queue": {"maxBytes": 1048576.5}}',
      /queue.maxBytes from .*: 1048576.5 is not a whole number/,
    ],
    ['{"queue": {"maxBytes": "1KB"}}', /queue.maxBytes/],
  ])(
    'refuses a size that is not whole bytes or is below its minimum: %s (exit 78)',
    (file, message) => {
      expect(() => loadConfig({ cwd: dirWithConfig(file) })).toThrow(
        expect.objectContaining({
          code: 'E_CONFIG',
          exitCode: 78,
          message: expect.stringMatching(message),
        }),
      );
    },
  );

  it('shows no secret in its settings: the token is ***, a URL has no password', () => {
    const { config, settings } = loadConfig({
      cwd: '/',
      readConfigFile: false,
      env: { PGCACHE_TOKEN: 's3cret', PGCACHE_DATABASE_URL: 'postgres://ann:pw@db:5432/cache' },
    });
    expect(config.serve.token).toBe('s3cret');
    const value = (key: string) => settings.find((s) => s.key === key)?.value;
    expect(value('serve.token')).toBe('***');
    expect(value('databaseUrl')).toBe('postgres://ann:***@db:5432/cache');
    expect(JSON.stringify(settings)).not.toMatch(/s3cret|:pw@/);
  });

  it.each(['0x10', '1e3', ' '])('refuses %j for a whole-number setting (exit 78)', (text) => {
    expect(() =>
      loadConfig({ cwd: '/', readConfigFile: false, env: { PGCACHE_RETRY_ATTEMPTS: text } }),
    ).toThrow(
      expect.objectContaining({
        code: 'E_CONFIG',
        message: expect.stringMatching(/not a whole number/),
      }),
    );
  });

  it('refuses a bad environment value with exit 78', () => {
    expect(() =>
      loadConfig({ cwd: '/', readConfigFile: false, env: { PGCACHE_RETRY_ATTEMPTS: 'many' } }),
    ).toThrow(
      expect.objectContaining({
        code: 'E_CONFIG',
        message: expect.stringMatching(/retry.attempts from PGCACHE_RETRY_ATTEMPTS/),
      }),
    );
  });

  it('says a config file that is a directory cannot be read (not that its JSON is bad)', () => {
    const dir = emptyDir();
    expect(() => loadConfig({ cwd: dir, configFile: dir })).toThrow(
      expect.objectContaining({
        code: 'E_CONFIG',
        message: expect.stringMatching(/cannot be read/),
      }),
    );
  });

  it('refuses a config file named with --config that does not exist', () => {
    expect(() => loadConfig({ cwd: '/', configFile: '/nonexistent/pgcache.json' })).toThrow(
      expect.objectContaining({ code: 'E_CONFIG' }),
    );
  });
});
