import { describe, it } from 'vitest';
import { testClock } from '../support/test-clock.js';
import { openStore } from '../../src/store/open-store.js';
import { POSTGRES_SKIP_REASON, createTestSchema } from '../support/postgres.js';
import { storeContract } from './store-contract.js';

if (POSTGRES_SKIP_REASON === undefined) {
  storeContract('PostgreSQL server', async (settings) => {
    const clock = testClock();
    const schema = await createTestSchema();
    const store = await openStore({
      databaseUrl: schema.url,
      settings,
      clock,
      migrations: 'apply',
    });
    return { store, clock, dispose: schema.drop };
  });
} else {
  describe('store contract: PostgreSQL server', () => {
    it.skip(POSTGRES_SKIP_REASON ?? '', () => undefined);
  });
}
