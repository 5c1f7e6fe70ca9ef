import { openTestStore } from '../support/open-test-store.js';
import { storeContract } from './store-contract.js';

storeContract('embedded PGlite', async (settings) => {
  const { store, clock } = await openTestStore(settings);
  return { store, clock, dispose: () => Promise.resolve() };
});
