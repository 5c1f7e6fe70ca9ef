import Keyv from 'keyv';
import { describe, expect, it } from 'vitest';
import { openHandleCount } from '../../src/db/handle-registry.js';
import { fromStoreKey, keyvPrefix, toStoreKey } from '../../src/keyv/keyv-keys.js';
import { PgcacheKeyvStore } from '../../src/keyv/index.js';
import { openStore } from '../../src/store/open-store.js';
import { parseKey } from '../../src/store/keys.js';
import { copyTemplateDataDir } from '../support/data-dir.js';

describe('Keyv keys', () => {
  it.each([
    ['keyv', 'keyv:plain', 'keyv:plain'],
    ['keyv', 'keyv:with space', 'keyv:with%20space'],
    ['keyv', 'keyv:tab\tand\nnewline', 'keyv:tab%09and%0Anewline'],
    ['keyv', 'keyv:100%', 'keyv:100%25'],
    ['keyv', 'keyv:', 'keyv:%'],
    ['keyv', 'keyv:ünïcode', 'keyv:ünïcode'],
    ['component', 'component:react:card', 'component%3Areact:card'],
    ['block', 'block:a:b:c', 'block%3Aa:b:c'],
    ['component:react', 'component:react:a:b', 'component%3Areact:a:b'],
    ['block:x', 'block:x:card', 'block%3Ax:card'],
    [undefined, 'no-namespace', '%keyv:no-namespace'],
    ['', 'component:react:card', '%keyv:component:react:card'],
    ['', '', '%keyv:%'],
    ['', '%', '%keyv:%25'],
  ])('in namespace %j, %j is stored as %j and maps back', (namespace, key, stored) => {
    const storeKey = toStoreKey(key, namespace);
    expect(storeKey).toBe(stored);
    expect(storeKey.startsWith(keyvPrefix(namespace))).toBe(true);
    expect(() => parseKey(storeKey)).not.toThrow();
    expect(fromStoreKey(storeKey, namespace)).toBe(key);
  });

  it("never takes the kind of pgcache's own component and block entries, whatever the namespace", () => {
    for (const namespace of ['component', 'component:react', 'block:x:y']) {
      expect(parseKey(toStoreKey(`${namespace}:card`, namespace)).kind).toBe('generic');
    }
  });

  it('keeps the Keyv namespace as the pgcache namespace', () => {
    expect(parseKey(toStoreKey('sessions:abc def', 'sessions'))).toMatchObject({
      namespace: 'sessions',
      kind: 'generic',
    });
  });
});

describe('PgcacheKeyvStore', () => {
  it('opens the store from dataDir, shares it between adapters, and the last disconnect closes it', async () => {
    const dataDir = copyTemplateDataDir();
    const before = openHandleCount();
    const sessions = new Keyv({ store: new PgcacheKeyvStore({ dataDir }), namespace: 'sessions' });
    const users = new Keyv({ store: new PgcacheKeyvStore({ dataDir }), namespace: 'users' });
    const errors: unknown[] = [];
    for (const keyv of [sessions, users]) keyv.on('error', (error: unknown) => errors.push(error));
    expect(await sessions.set('user 1', { name: 'ann' }, 60_000)).toBe(true);
    expect(await sessions.set('user 2', { name: 'bob' })).toBe(true);
    expect(await users.set('1', 'ann')).toBe(true);
    expect(await sessions.get('user 1')).toEqual({ name: 'ann' });
    expect(await users.get('1')).toBe('ann');
    expect(openHandleCount()).toBe(before + 1);
    await sessions.disconnect();
    expect(await users.get('1')).toBe('ann');
    expect(openHandleCount()).toBe(before + 1);
    await users.disconnect();
    expect(openHandleCount()).toBe(before);
    expect(errors).toEqual([]);

    const store = await openStore({ dataDir });
    const entries = await store.list({ namespace: 'sessions' });
    expect(entries.map((e) => [e.key, e.expiresAt === null])).toEqual([
      ['sessions:user%201', false],
      ['sessions:user%202', true],
    ]);
    await store.close();
  });
});
