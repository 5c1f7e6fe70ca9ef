// The thread an embedded database's PGlite instance runs in (started by src/db/database-thread.ts
// from the built package): it serves the requests of src/db/thread-protocol.ts until it is
// terminated.
import { parentPort } from 'node:worker_threads';
import { hostPGlite } from '../db/pglite-host.js';

if (parentPort === null) throw new Error('pglite-thread runs as a worker thread');
hostPGlite(parentPort);
