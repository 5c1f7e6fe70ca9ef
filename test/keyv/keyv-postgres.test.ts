import Keyv from 'keyv';
import * as vitest from 'vitest';
import { PgcacheKeyvStore } from '../../src/keyv/index.js';
import { openStore } from '../../src/store/open-store.js';
import { POSTGRES_SKIP_REASON, createTestSchema } from '../support/postgres.js';
import { keyvContract } from './keyv-contract.js';

// The same Keyv suite with the store on a PostgreSQL server, a new adapter per Keyv instance.
if (POSTGRES_SKIP_REASON === undefined) {
  const schema = await createTestSchema();
  const store = await openStore({ databaseUrl: schema.url });
  vitest.afterAll(async () => {
    await store.close();
    await schema.drop();
  });
  keyvContract({ databaseUrl: schema.url }, () => store);

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
