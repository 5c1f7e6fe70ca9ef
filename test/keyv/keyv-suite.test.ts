import keyvTestSuite, { keyvIteratorTests } from '@keyv/test-suite';
import Keyv from 'keyv';
import * as vitest from 'vitest';
import { PgcacheKeyvStore } from '../../src/keyv/index.js';
import { openStore } from '../../src/store/open-store.js';
import { copyTemplateDataDir } from '../support/data-dir.js';

// Keyv's own adapter test suite, run on one embedded store that every adapter instance shares
// (opening a PGlite directory per test would make the suite take minutes).
const store = await openStore({ dataDir: copyTemplateDataDir() });
vitest.afterAll(async () => {
  await store.close();
});

const adapter = (): PgcacheKeyvStore => new PgcacheKeyvStore({ store });
keyvTestSuite(vitest, Keyv, adapter);
keyvIteratorTests(vitest, Keyv, adapter);
