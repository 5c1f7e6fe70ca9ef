// Opens a store through the built library, prints "ready <pid>", and keeps it open until stdin
// closes or a SIGTERM arrives: a second process on the same data directory for the tests.
// `--no-control` opens it with `control: false` (no control socket: nothing goes through it).
import { openStore } from '../../../dist/src/index.js';

const store = await openStore({
  dataDir: process.argv[2],
  control: !process.argv.includes('--no-control'),
});
await store.set('holder:alive', { pid: process.pid });
process.stdout.write(`ready ${process.pid}\n`);
const done = () => store.close().then(() => process.stdout.write('closed\n'));
process.once('SIGTERM', () => void done());
process.stdin.on('end', () => void done());
process.stdin.resume();
