// Writes keys with the write-behind strategy through the built library and prints each key once
// its write is acknowledged, until it is killed: the writer of the SIGKILL test.
import { openStore, openTieredCache } from '../../../dist/src/index.js';

const [dataDir, originTemplate] = process.argv.slice(2);
const store = await openStore({ dataDir });
const cache = await openTieredCache(store, {
  settings: { 'origin.url': originTemplate, strategy: 'write-behind' },
});
for (let i = 0; i < 100_000; i += 1) {
  const key = `component:crash:k${i}`;
  await cache.set(key, { i });
  process.stdout.write(`ack ${key}\n`);
}
