import Keyv from 'keyv';
import { describe, expect, it } from 'vitest';
import { openHandleCount } from '../../src/db/handle-registry.js';
import { fromStoreKey, toStoreKey } from '../../src/keyv/keyv-keys.js';
import { PgcacheKeyvStore } from '../../src/keyv/index.js';
import { openStore } from '../../src/store/open-store.js';
import { parseKey } from '../../src/store/keys.js';
import { copyTemplateDataDir } from '../support/data-dir.js';

describe('Keyv keys', () => {
  it.each([
    'keyv:plain',
    'keyv:with space',
    'keyv:tab\tand\nnewline',
    'keyv:100%',
    'component:x',
    'block:a:b:c',
    'no-namespace',
    'keyv:ünïcode',
  ])('%j maps to a valid pgcache key and back', (key) => {
    const storeKey = toStoreKey(key);
    expect(() => parseKey(storeKey)).not.toThrow();
    expect(fromStoreKey(storeKey)).toBe(key);
  });

  it('keeps the Keyv namespace as the pgcache namespace', () => {
    expect(parseKey(toStoreKey('sessions:abc def'))).toMatchObject({
      namespace: 'sessions',
      kind: 'generic',
    });
  });
});

describe('PgcacheKeyvStore', () => {
  it('opens its own store from dataDir, keeps entries in the namespace, and closes it on disconnect', async () => {
    const dataDir = copyTemplateDataDir();
    const before = openHandleCount();
    const keyv = new Keyv({ store: new PgcacheKeyvStore({ dataDir }), namespace: 'sessions' });
    await keyv.set('user 1', { name: 'ann' }, 60_000);
    await keyv.set('user 2', { name: 'bob' });
    expect(await keyv.get('user 1')).toEqual({ name: 'ann' });
    expect(openHandleCount()).toBe(before + 1);
    await keyv.disconnect();
    expect(openHandleCount()).toBe(before);

    const store = await openStore({ dataDir });
    const entries = await store.list({ namespace: 'sessions' });
    expect(entries.map((e) => [e.key, e.expiresAt === null])).toEqual([
      ['sessions:user%201', false],
      ['sessions:user%202', true],
    ]);
    await store.close();
  });
});
