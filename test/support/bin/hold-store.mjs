// Opens a store through the built library, prints "ready <pid>", and keeps it open until stdin
// closes or a SIGTERM arrives: a second process on the same data directory for the tests.
import { openStore } from '../../../dist/src/index.js';

const store = await openStore({ dataDir: process.argv[2] });
await store.set('holder:alive', { pid: process.pid });
process.stdout.write(`ready ${process.pid}\n`);
const done = () => store.close().then(() => process.stdout.write('closed\n'));
process.once('SIGTERM', () => void done());
process.stdin.on('end', () => void done());
process.stdin.resume();
