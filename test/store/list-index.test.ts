import { afterEach, describe, expect, it } from 'vitest';
import { buildListQuery, type WhereCondition } from '../../src/store/list-query.js';
import type { Store } from '../../src/store/store.js';
import {
  existingValueIndexes,
  parseIndexPaths,
  valueIndexName,
} from '../../src/store/value-indexes.js';
import { openTestStore } from '../support/open-test-store.js';

const where = (text: string, value: unknown): WhereCondition => ({
  path: text.split('.'),
  value,
});

describe('list --where and the indexes declared in `indexes`', () => {
  const stores: Store[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  const open = async (indexes?: string): Promise<Store> => {
    const { store } = await openTestStore(indexes === undefined ? {} : { indexes });
    stores.push(store);
    await store.setMany([
      { key: 'u:1', value: { role: 'admin', user: { id: 7 }, tags: ['a', 'b'] } },
      { key: 'u:2', value: { role: 'viewer', user: { id: '7' }, tags: ['b'] } },
      { key: 'u:3', value: { role: 'admin', user: { id: [7] }, tags: [] } },
    ]);
    return store;
  };

  // The plan of the list statement for `conditions`, sequential scans off so that a usable index
  // is always chosen (a three-row table would be scanned anyway).
  const plan = (store: Store, conditions: WhereCondition[]): Promise<string> =>
    store.execute('read', 'explain', async (db) => {
      const indexes = await existingValueIndexes(db);
      const { sql, params } = buildListQuery({ where: conditions }, new Date(), indexes);
      return db.transaction(async (tx) => {
        await tx.exec('SET LOCAL enable_seqscan = off');
        const { rows } = await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params);
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      });
    });

  const keys = async (store: Store, conditions: WhereCondition[]) => {
    const report = await store.listReport({ where: conditions });
    return { keys: report.entries.map((e) => e.key), where: report.where };
  };

  it('has no index over values by default: --where works by a scan, and the report says so', async () => {
    const store = await open();
    expect(await keys(store, [where('role', 'admin')])).toEqual({
      keys: ['u:1', 'u:3'],
      where: [{ field: 'role', index: null }],
    });
    expect(await plan(store, [where('role', 'admin')])).not.toMatch(/Index.*(by_role|value)/);
  });

  it('a declared path gets an index of its own, created when the store opens, used for scalar values', async () => {
    const store = await open('role,user.id');
    expect(await store.execute('read', 'indexes', (db) => existingValueIndexes(db))).toEqual(
      new Set(['pgcache_entries_by_role', 'pgcache_entries_by_user_id']),
    );
    expect(await keys(store, [where('role', 'admin'), where('user.id', 7)])).toEqual({
      keys: ['u:1'],
      where: [
        { field: 'role', index: 'pgcache_entries_by_role' },
        { field: 'user.id', index: 'pgcache_entries_by_user_id' },
      ],
    });
    expect(await plan(store, [where('user.id', 7)])).toMatch(/pgcache_entries_by_user_id/);
    // The same rows as containment: a string "7" or an array [7] is not 7.
    expect((await keys(store, [where('user.id', '7')])).keys).toEqual(['u:2']);
    // An object or array value is containment, which only the GIN index could answer.
    expect(await keys(store, [where('tags', ['b'])])).toEqual({
      keys: ['u:1', 'u:2'],
      where: [{ field: 'tags', index: null }],
    });
  });

  it('"*" declares the GIN index over every value, which answers any path', async () => {
    const store = await open('*');
    expect(await keys(store, [where('tags', ['a'])])).toEqual({
      keys: ['u:1'],
      where: [{ field: 'tags', index: 'pgcache_entries_value' }],
    });
    expect(await plan(store, [where('role', 'admin')])).toMatch(
      /Bitmap Index Scan on pgcache_entries_value/,
    );
  });

  it('reads the setting as a list or as comma-separated text, and refuses what is not a path', () => {
    expect(parseIndexPaths(['session', 'user.id', 'session'])).toBe('session,user.id');
    expect(parseIndexPaths(' session , * ')).toBe('session,*');
    expect(() => parseIndexPaths(['user..id'])).toThrow(/not a JSON path/);
    expect(() => parseIndexPaths({ a: 1 })).toThrow(TypeError);
    expect(valueIndexName('User.Id')).toMatch(/^pgcache_entries_by_user_id_[0-9a-f]{8}$/);
    expect(valueIndexName('x'.repeat(80))).toHaveLength(63);
  });
});

describe('list and its total', () => {
  it('are one snapshot: a write made while the list runs is in both or in neither', async () => {
    const { store } = await openTestStore();
    try {
      await store.setMany([1, 2, 3].map((n) => ({ key: `page:${n}`, value: n })));
      // Made in the same tick: the write lands before the page or after the count, never between.
      const [report] = await Promise.all([
        store.listReport({ prefix: 'page:', limit: 2 }),
        store.set('page:0', 0),
      ]);
      const keys = report.entries.map((e) => e.key);
      expect(keys).toHaveLength(2);
      expect(report.total).toBe(keys.includes('page:0') ? 4 : 3);
      expect(await store.listReport({ prefix: 'page:', limit: 2 })).toMatchObject({ total: 4 });
      expect((await store.listReport({ prefix: 'page:', limit: 10 })).total).toBe(4);
    } finally {
      await store.close();
    }
  });

  it('counts with the path indexes the page uses, and with the same instant', async () => {
    const { store, clock } = await openTestStore({ indexes: 'role' });
    try {
      await store.setMany([
        { key: 'r:1', value: { role: 'admin' }, ttlMs: 1000 },
        { key: 'r:2', value: { role: 'admin' } },
        { key: 'r:3', value: { role: 'viewer' } },
      ]);
      const admins = { where: [{ path: ['role'], value: 'admin' }], limit: 1 };
      expect(await store.listReport(admins)).toMatchObject({
        total: 2,
        where: [{ field: 'role', index: valueIndexName('role') }],
      });
      clock.advance(1000);
      const later = await store.listReport(admins);
      expect(later.entries.map((e) => e.key)).toEqual(['r:2']);
      expect(later.total).toBe(1);
    } finally {
      await store.close();
    }
  });
});
