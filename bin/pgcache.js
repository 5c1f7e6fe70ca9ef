#!/usr/bin/env node
// The only file that touches the process: build the context, run, set the exit code.
import process from 'node:process';
import { createCliContext, main } from '../dist/cli/main.js';

const interrupt = new AbortController();
const onSignal = (signal) => {
  if (interrupt.signal.aborted) {
    // A second signal: stop at once, the way the default handler would.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
    return;
  }
  interrupt.abort(new Error(`received ${signal}`));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const ctx = createCliContext({
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  signal: interrupt.signal,
});
process.exitCode = await main(process.argv.slice(2), ctx);
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
