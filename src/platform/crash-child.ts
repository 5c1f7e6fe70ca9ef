// The writer of the crash scenario (`pgcache stress`, scenario crash-recovery), run as a child
// process from the built package: it opens the store on the scratch directory it is given, says
// "ready", then writes keys one after the other and prints "ack <key>" only once a write is
// acknowledged, until the parent kills it with SIGKILL.
import { writeSync } from 'node:fs';
import process from 'node:process';
import { openStore } from '../store/open-store.js';

const [dataDir, prefix] = process.argv.slice(2);
if (dataDir === undefined || prefix === undefined) {
  throw new Error('usage: crash-child DATA_DIR KEY_PREFIX');
}
const store = await openStore({
  dataDir,
  migrations: 'require',
  create: false,
  onWarning: () => {},
});
// Synchronous writes: a line on the pipe is an acknowledgement the parent may count.
writeSync(1, 'ready\n');
for (let i = 0; ; i += 1) {
  const key = `${prefix}${i}`;
  await store.set(key, { i }, { ttlMs: 3_600_000 });
  writeSync(1, `ack ${key}\n`);
}
