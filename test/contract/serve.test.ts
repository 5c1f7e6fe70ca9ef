import { testClock } from '../support/test-clock.js';
import { serveUrl } from '../../src/serve/addresses.js';
import { startServe } from '../../src/serve/serve.js';
import { openStore } from '../../src/store/open-store.js';
import { copyTemplateDataDir } from '../support/data-dir.js';
import { storeContract } from './store-contract.js';

// The owner serves its directory in this process; the store under test is a client of its wire
// endpoint (as the workers of `stress --processes` are). Both share the manual clock, so that
// expiry means the same thing on either side.
storeContract('through serve', async (settings) => {
  const clock = testClock();
  const dataDir = copyTemplateDataDir();
  const owner = await openStore({ dataDir, settings, clock, migrations: 'require', thread: true });
  const serve = await startServe(owner, { clock });
  const pg = serve.endpoints.pg;
  if (pg === null) throw new Error('serve has no wire endpoint');
  const store = await openStore({
    dataDir,
    settings,
    clock,
    migrations: 'require',
    serveEndpoint: { url: serveUrl(pg, undefined), via: 'serve' },
  });
  return {
    store,
    clock,
    dispose: async () => {
      await serve.close();
      await owner.close();
    },
  };
});
