import keyvTestSuite, { keyvIteratorTests } from '@keyv/test-suite';
import Keyv from 'keyv';
import * as vitest from 'vitest';
import { PgcacheKeyvStore, type PgcacheKeyvStoreOptions } from '../../src/keyv/index.js';
import type { Store } from '../../src/store/store.js';

const { afterAll, describe, expect, it } = vitest;

/**
 * Keyv's own adapter suite and pgcache's Keyv promises, with a NEW adapter for every Keyv
 * instance on the same store location (as an app makes them), `store` a handle on that location
 * to look at what was written.
 */
export function keyvContract(location: PgcacheKeyvStoreOptions, store: () => Store): void {
  const adapters: PgcacheKeyvStore[] = [];
  const adapter = (): PgcacheKeyvStore => {
    const made = new PgcacheKeyvStore(location);
    adapters.push(made);
    return made;
  };
  afterAll(async () => {
    await Promise.all(adapters.map((a) => a.disconnect()));
  });

  keyvTestSuite(vitest, Keyv, adapter);
  keyvIteratorTests(vitest, Keyv, adapter);

  describe('pgcache promises', () => {
    it('clear() without a namespace deletes only what Keyv wrote without one', async () => {
      await store().setMany([
        { key: 'component:react:card', value: { title: 'card' } },
        { key: 'plain', value: 1 },
        { key: 'users:7', value: 'not from keyv' },
      ]);
      const users = new Keyv({ store: adapter(), namespace: 'users' });
      const bare = new Keyv({ store: adapter(), namespace: '' });
      const none = new Keyv({ store: adapter(), namespace: undefined });
      await users.set('1', 'ann');
      await bare.set('a', 1);
      await none.set('plain', 2);
      await bare.clear();
      expect(await bare.get('a')).toBeUndefined();
      expect(await none.get('plain')).toBeUndefined();
      expect(await users.get('1')).toBe('ann');
      expect((await store().get('component:react:card'))?.value).toEqual({ title: 'card' });
      expect((await store().get('plain'))?.value).toBe(1);
      expect((await store().get('users:7'))?.value).toBe('not from keyv');

      await users.clear();
      expect(await users.get('1')).toBeUndefined();
      expect((await store().get('users:7'))?.value).toBe('not from keyv');
      await store().delete(['component:react:card', 'plain', 'users:7']);
    });

    it("a 'component' namespace never takes pgcache's component entries", async () => {
      await store().set('component:react:card', { title: 'card' });
      const keyv = new Keyv({ store: adapter(), namespace: 'component' });
      await keyv.set('react:card', 'from keyv');
      expect(await keyv.get('react:card')).toBe('from keyv');
      await keyv.clear();
      expect((await store().get('component:react:card'))?.value).toEqual({ title: 'card' });
      await store().delete(['component:react:card']);
    });

    it("accepts the empty key, with and without a namespace, and lists it as '%'", async () => {
      const named = new Keyv({ store: adapter(), namespace: 'empty' });
      const bare = new Keyv({ store: adapter(), namespace: '' });
      await named.set('', 'named');
      await bare.set('', 'bare');
      expect(await named.get('')).toBe('named');
      expect(await bare.get('')).toBe('bare');
      const keys = (await store().list({ prefix: '' })).map((e) => e.key);
      expect(keys).toEqual(expect.arrayContaining(['empty:%', '%keyv:%']));
      await named.clear();
      await bare.clear();
    });

    it('stores the envelope as JSON that operators can read and query, and round-trips exactly', async () => {
      const keyv = new Keyv({ store: adapter(), namespace: 'env' });
      const values: Record<string, unknown> = {
        buffer: Buffer.from([0, 1, 2, 255]),
        jsonText: '{"a":1}',
        colon: ':base64:not a buffer',
        nested: { list: [1, 'two', null, { three: true }], n: -0.5 },
      };
      for (const [key, value] of Object.entries(values)) await keyv.set(key, value, 60_000);
      for (const [key, value] of Object.entries(values)) expect(await keyv.get(key)).toEqual(value);

      const stored = (await store().get('env:nested'))?.value as {
        value: unknown;
        expires: number;
      };
      expect(stored.value).toEqual(values['nested']);
      expect(typeof stored.expires).toBe('number');
      expect((await store().get('env:jsonText'))?.value).toMatchObject({ value: '{"a":1}' });
      const where = await store().list({ where: [{ path: ['value', 'n'], value: -0.5 }] });
      expect(where.map((e) => e.key)).toEqual(['env:nested']);
      await keyv.clear();
    });

    it("BigInt through Keyv's serializer option round-trips", async () => {
      const keyv = new Keyv({
        store: adapter(),
        namespace: 'big',
        serialize: (data) =>
          JSON.stringify(data, (_k, v: unknown) =>
            typeof v === 'bigint' ? { $bigint: v.toString() } : v,
          ),
        deserialize: (text: string) =>
          JSON.parse(text, (_k, v: unknown) =>
            typeof v === 'object' && v !== null && '$bigint' in v
              ? BigInt((v as { $bigint: string }).$bigint)
              : v,
          ) as { value?: never; expires?: number },
      });
      await keyv.set('n', 12345678901234567890123n);
      expect(await keyv.get('n')).toBe(12345678901234567890123n);
      expect((await store().get('big:n'))?.value).toEqual({
        value: { $bigint: '12345678901234567890123' },
      });
      await keyv.clear();
    });

    it('reads entries written in the old form (the envelope as a JSON string)', async () => {
      await store().set('old:a', JSON.stringify({ value: { kept: true }, expires: null }));
      const keyv = new Keyv({ store: adapter(), namespace: 'old' });
      expect(await keyv.get('a')).toEqual({ kept: true });
      await keyv.clear();
    });

    it("a value over maxEntryBytes reaches Keyv's error event with its code and hint", async () => {
      const keyv = new Keyv({ store: adapter(), namespace: 'big' });
      const errors: unknown[] = [];
      keyv.on('error', (error: unknown) => errors.push(error));
      expect(await keyv.set('huge', 'x'.repeat(2 * 1024 * 1024))).toBe(false);
      expect(errors).toEqual([
        expect.objectContaining({
          code: 'E_VALUE_TOO_LARGE',
          hint: expect.stringContaining('maxEntryBytes'),
        }),
      ]);
    });
  });
}
