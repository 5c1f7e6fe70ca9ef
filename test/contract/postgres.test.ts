import { describe, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { openStore } from '../../src/store/open-store.js';
import { POSTGRES_SKIP_REASON, createTestSchema } from '../support/postgres.js';
import { storeContract } from './store-contract.js';

if (POSTGRES_SKIP_REASON === undefined) {
  storeContract('PostgreSQL server', async (settings) => {
    const clock = new ManualClock(Date.UTC(2026, 10, 22, 12));
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
