import { afterAll } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { copyTemplateDataDir } from '../support/data-dir.js';
import { keyvContract } from './keyv-contract.js';

// Keyv's own adapter suite with a new adapter per Keyv instance, all on one data directory: they
// share the store this file opens (and keeps open, so that the suite opens the directory once).
const dataDir = copyTemplateDataDir();
const store = await openStore({ dataDir });
afterAll(async () => {
  await store.close();
});

keyvContract({ dataDir }, () => store);
