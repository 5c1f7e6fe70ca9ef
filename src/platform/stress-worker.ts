// A worker of `pgcache stress --processes N`, run as a child process from the built package with
// an IPC channel: it runs the plans the parent sends (see src/stress/worker-protocol.ts) and ends
// when the parent closes the channel (or goes away).
import { getEachMessage, sendMessage } from 'execa';
import { performance } from 'node:perf_hooks';
import { systemClock } from '../clock.js';
import { openStore } from '../store/open-store.js';
import { nodeHost } from './host.js';
import { openThroughServe } from '../stress/load/through-serve.js';
import type { FromWorker, ToWorker } from '../stress/load/worker-protocol.js';
import { WorkerRunner } from '../stress/load/worker-run.js';

const send = (message: FromWorker): void => {
  sendMessage(message).catch(() => undefined); // the parent is gone
};
const worker = new WorkerRunner({
  openStore: openThroughServe(openStore, nodeHost),
  clock: systemClock,
  now: () => performance.now() * 1e6,
  send,
});
send({ type: 'ready' });
for await (const message of getEachMessage()) worker.handle(message as ToWorker);
await worker.close();
