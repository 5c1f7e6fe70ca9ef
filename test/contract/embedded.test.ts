import { ManualClock } from '../../src/clock.js';
import { openStore } from '../../src/store/open-store.js';
import { copyTemplateDataDir } from '../support/data-dir.js';
import { storeContract } from './store-contract.js';

storeContract('embedded PGlite', async (settings) => {
  const clock = new ManualClock(Date.UTC(2026, 10, 22, 12));
  const store = await openStore({
    dataDir: copyTemplateDataDir(),
    settings,
    clock,
    migrations: 'require',
  });
  return { store, clock, dispose: () => Promise.resolve() };
});
