import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { copyTemplateDataDir } from '../support/data-dir.js';
import { runCli } from '../support/cli.js';

interface StatsJson {
  entries: { total: number; byKind: Record<'component' | 'block' | 'generic', number> };
  bytes: { total: number; byKind: Record<'component' | 'block' | 'generic', number> } & Record<
    string,
    unknown
  >;
  connections: Record<string, number>;
  schema: Record<string, number>;
  hits: number;
  [key: string]: unknown;
}

describe('get, set, del, list, stats', () => {
  let dataDir: string;
  const cli = (...argv: string[]) => runCli(['--data-dir', dataDir, ...argv]);
  beforeAll(() => {
    dataDir = copyTemplateDataDir();
  });

  it('set then get prints the value; get --json has the documented fields', async () => {
    const set = await cli(
      'set',
      'component:react:button',
      '{"name":"button","deps":["react"]}',
      '--ttl',
      '2h',
    );
    expect(set).toMatchObject({ exitCode: 0, stderr: '' });
    expect(set.stdout).toMatch(/^stored component:react:button \(34 bytes, expires in 2h\)\n$/);
    const get = await cli('get', 'component:react:button');
    expect(get).toMatchObject({
      exitCode: 0,
      stdout: '{"deps":["react"],"name":"button"}\n',
      stderr: '',
    });
    const json = (await cli('get', 'component:react:button', '--json')).json();
    expect(json).toEqual({
      schemaVersion: 1,
      key: 'component:react:button',
      found: true,
      value: { name: 'button', deps: ['react'] },
      kind: 'component',
      sizeBytes: 34,
      expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      tier: 'l2',
      stale: false,
    });
  });

  it('get of an absent key prints nothing and exits 1; --json says found: false', async () => {
    expect(await cli('get', 'nothing:here')).toMatchObject({ exitCode: 1, stdout: '', stderr: '' });
    const json = await cli('get', 'nothing:here', '--json');
    expect(json.exitCode).toBe(1);
    expect(json.json()).toEqual({
      schemaVersion: 1,
      key: 'nothing:here',
      found: false,
      value: null,
    });
  });

  it('reads the value from stdin with "-" and from --file', async () => {
    const stdin = await runCli(['--data-dir', dataDir, 'set', 'app:stdin', '-'], {
      stdin: '{"from":"stdin"}',
    });
    expect(stdin.exitCode).toBe(0);
    const file = join(dataDir, '..', 'value.json');
    writeFileSync(file, '[1, 2, 3]');
    expect((await cli('set', 'app:file', '--file', file)).exitCode).toBe(0);
    expect((await cli('get', 'app:stdin')).stdout).toBe('{"from":"stdin"}\n');
    expect((await cli('get', 'app:file')).stdout).toBe('[1,2,3]\n');
  });

  it('invalid JSON exits 65 with the parser position and stores nothing', async () => {
    await cli('set', 'app:keep', '"old"');
    const bad = await cli('set', 'app:keep', '{"a": }', '--json');
    expect(bad.exitCode).toBe(65);
    expect(bad.error()).toEqual({
      code: 'E_INVALID_JSON',
      message: 'VALUE is not valid JSON: value expected at line 1, column 7 (offset 6)',
      hint: 'Quote strings ("text"), and check brackets and commas; nothing was stored.',
    });
    expect(bad.stdout).toBe('');
    expect((await cli('get', 'app:keep')).stdout).toBe('"old"\n');
  });

  it('a value over maxEntryBytes exits 65 and stores nothing', async () => {
    const big = JSON.stringify('x'.repeat(100));
    const run = await runCli(['--data-dir', dataDir, 'set', 'app:big', big], {
      env: { PGCACHE_MAX_ENTRY_BYTES: '64' },
    });
    expect(run.exitCode).toBe(65);
    expect(run.stderr).toMatch(
      /\[E_VALUE_TOO_LARGE\] the value for app:big is 102 B \(102 bytes\), over the 64 B limit/,
    );
    expect((await cli('get', 'app:big')).exitCode).toBe(1);
  });

  it('a bad key is a usage error (exit 2) that touches nothing', async () => {
    const run = await cli('set', 'component:react', '1');
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(
      /\[E_INVALID_KEY\] invalid key "component:react": a component key has the form component:<framework>:<name>\nhint: /,
    );
  });

  it('set --batch writes all lines, or none when one is malformed (exit 65, line number)', async () => {
    const good = join(dataDir, '..', 'good.ndjson');
    const bad = join(dataDir, '..', 'bad.ndjson');
    writeFileSync(
      good,
      '{"key":"batch:1","value":1}\n{"key":"batch:2","value":{"b":2},"ttl":"1h"}\n',
    );
    writeFileSync(bad, '{"key":"batch:3","value":3}\n{"key":"batch:4","value":}\n');
    expect((await cli('set', '--batch', good, '--json')).json()).toEqual({
      schemaVersion: 1,
      written: 2,
      bytes: 8,
    });
    const failed = await cli('set', '--batch', bad);
    expect(failed.exitCode).toBe(65);
    expect(failed.stderr).toContain('bad.ndjson line 2: not valid JSON');
    expect((await cli('get', 'batch:3')).exitCode).toBe(1);
    expect(
      (await cli('list', '--prefix', 'batch:', '--json'))
        .json<{ entries: { key: string }[] }>()
        .entries.map((e) => e.key),
    ).toEqual(['batch:1', 'batch:2']);
  });

  it('del reports how many it removed', async () => {
    await cli('set', 'del:1', '1');
    expect((await cli('del', 'del:1', 'del:2', 'del:1')).stdout).toBe('removed 1 of 2 keys\n');
    expect((await cli('del', 'del:1', '--json')).json()).toEqual({
      schemaVersion: 1,
      removed: 0,
      requested: 1,
    });
  });

  it('list --json has the documented fields and filters with --where', async () => {
    await cli('set', 'user:1', '{"role":"admin"}');
    await cli('set', 'user:2', '{"role":"viewer"}');
    const list = (await cli('list', '--where', 'role=admin', '--json')).json<{
      entries: Record<string, unknown>[];
    }>();
    expect(list.entries).toEqual([
      expect.objectContaining({
        key: 'user:1',
        kind: 'generic',
        namespace: 'user',
        sizeBytes: 16,
        createdAt: expect.any(String),
        accessedAt: expect.any(String),
        accessCount: 0,
        expiresAt: expect.any(String),
      }),
    ]);
    const badNamespace = await cli('list', '--namespace', 'a b');
    expect(badNamespace).toMatchObject({ exitCode: 2, stdout: '' });
    expect(badNamespace.stderr).toMatch(/E_USAGE/);
    const plain = await cli('list', '--namespace', 'user');
    expect(plain.stdout.split('\n')[0]).toBe('key\tkind\tbytes\treads\taccessed\texpires');
    expect(
      plain.stdout
        .split('\n')
        .slice(1, 3)
        .map((l) => l.split('\t')[0]),
    ).toEqual(['user:1', 'user:2']);
    expect((await cli('list', '--where', 'role')).exitCode).toBe(2);
    expect((await cli('list', '--kind', 'widget')).exitCode).toBe(2);
  });

  it('list says when it stopped at its limit: on stderr when piped, truncated and total in --json', async () => {
    for (const n of [1, 2, 3]) await cli('set', `page:${n}`, String(n));
    const piped = await cli('list', '--prefix', 'page:', '--limit', '2');
    expect(piped.exitCode).toBe(0);
    expect(piped.stdout.trim().split('\n')).toHaveLength(3);
    expect(piped.stderr).toBe(
      'showing the first 2 of 3 entries; raise --limit (up to 100000) or narrow the filter to see the rest\n',
    );
    const json = await cli('list', '--prefix', 'page:', '--limit', '2', '--json');
    expect(json.stderr).toBe('');
    expect(json.json()).toMatchObject({ truncated: true, total: 3 });
    expect(json.json<{ entries: unknown[] }>().entries).toHaveLength(2);
    const exact = await cli('list', '--prefix', 'page:', '--limit', '3', '--json');
    expect(exact.json()).toMatchObject({ truncated: false, total: 3 });
    const all = await cli('list', '--prefix', 'page:');
    expect(all.stderr).toBe('');
  });

  it('stats --json has the documented fields and sums kinds exactly', async () => {
    const stats = (await cli('stats', '--json')).json<StatsJson>();
    expect(Object.keys(stats)).toEqual(
      expect.arrayContaining([
        'schemaVersion',
        'entries',
        'bytes',
        'expired',
        'hits',
        'misses',
        'connections',
        'schema',
        'lastMaintenance',
      ]),
    );
    const { component, block, generic } = stats['bytes'].byKind;
    expect(stats['bytes'].total).toBe(component + block + generic);
    expect(stats['entries'].total).toBe(
      stats['entries'].byKind.component +
        stats['entries'].byKind.block +
        stats['entries'].byKind.generic,
    );
    expect(stats['bytes']).toMatchObject({
      max: 104_857_600,
      onDisk: expect.any(Number),
      wal: expect.any(Number),
    });
    expect(stats['connections']).toMatchObject({ open: 1, handles: 1 });
    expect(stats['schema']).toEqual({ version: 4, latest: 4, pending: 0 });
    expect(stats['hits']).toBeGreaterThan(0);
    const piped = await cli('stats');
    expect(piped.stdout).toMatch(/^backend: +PGlite 0\.5\.14 /m);
    expect(piped.stdout).toMatch(/^entries\.component: +\d+$/m);
  });
});
