import { testClock } from '../support/test-clock.js';
import { startServe } from '../../src/serve/serve.js';
import { openStore } from '../../src/store/open-store.js';
import { copyTemplateDataDir } from '../support/data-dir.js';
import { storeContract } from './store-contract.js';

// The owner serves its directory in this process; the store under test finds the lock's
// endpoints and goes through them (wire for data, HTTP for stats and maintain). Both share the
// manual clock, so that expiry means the same thing on either side.
storeContract('through serve', async (settings) => {
  const clock = testClock();
  const dataDir = copyTemplateDataDir();
  const owner = await openStore({ dataDir, settings, clock, migrations: 'require' });
  const serve = await startServe(owner, { clock });
  const store = await openStore({ dataDir, settings, clock, migrations: 'require' });
  if (store.describe().via === undefined) throw new Error('the store did not go through serve');
  return {
    store,
    clock,
    dispose: async () => {
      await serve.close();
      await owner.close();
    },
  };
});
