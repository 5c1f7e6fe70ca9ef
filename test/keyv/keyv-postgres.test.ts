import keyvTestSuite, { keyvIteratorTests } from '@keyv/test-suite';
import Keyv from 'keyv';
import * as vitest from 'vitest';
import { PgcacheKeyvStore } from '../../src/keyv/index.js';
import { openStore } from '../../src/store/open-store.js';
import { POSTGRES_SKIP_REASON, createTestSchema } from '../support/postgres.js';

// The same Keyv suite with the store on a PostgreSQL server, shared by every adapter instance.
if (POSTGRES_SKIP_REASON === undefined) {
  const schema = await createTestSchema();
  const store = await openStore({ databaseUrl: schema.url, settings: { 'pool.size': 4 } });
  vitest.afterAll(async () => {
    await store.close();
    await schema.drop();
  });
  const adapter = (): PgcacheKeyvStore => new PgcacheKeyvStore({ store });
  keyvTestSuite(vitest, Keyv, adapter);
  keyvIteratorTests(vitest, Keyv, adapter);

  vitest.it('opens and closes its own store from databaseUrl', async () => {
    const keyv = new Keyv({ store: new PgcacheKeyvStore({ databaseUrl: schema.url }) });
    await keyv.set('a', 1);
    vitest.expect(await keyv.get('a')).toBe(1);
    await keyv.disconnect();
  });
} else {
  vitest.describe('Keyv suite on PostgreSQL', () => {
    vitest.it.skip(POSTGRES_SKIP_REASON ?? '', () => undefined);
  });
}
