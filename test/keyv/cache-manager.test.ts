import { createCache } from 'cache-manager';
import Keyv from 'keyv';
import { afterAll, expect, it } from 'vitest';
import { PgcacheKeyvStore } from '../../src/keyv/index.js';
import { openStore } from '../../src/store/open-store.js';
import { copyTemplateDataDir } from '../support/data-dir.js';

// cache-manager on pgcache through Keyv, as an app wires it.
const dataDir = copyTemplateDataDir();
const adapter = new PgcacheKeyvStore({ dataDir });
const cache = createCache({ stores: [new Keyv({ store: adapter, namespace: 'cm' })] });
afterAll(async () => {
  await cache.disconnect();
});

it('wrap under 1,000 concurrent callers computes once, and every caller gets the value', async () => {
  let computed = 0;
  const compute = async (): Promise<{ user: number }> => {
    computed += 1;
    await Promise.resolve();
    return { user: 42 };
  };
  const values = await Promise.all(
    Array.from({ length: 1000 }, () => cache.wrap('profile:42', compute, 60_000)),
  );
  expect(computed).toBe(1);
  expect(values.every((v) => v.user === 42)).toBe(true);
  expect(await cache.get('profile:42')).toEqual({ user: 42 });

  const store = await openStore({ dataDir });
  expect((await store.get('cm:profile:42'))?.value).toMatchObject({ value: { user: 42 } });
  await store.close();
});
