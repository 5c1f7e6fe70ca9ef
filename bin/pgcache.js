#!/usr/bin/env node
// The only file that touches the process: build the context, run, set the exit code.
import process from 'node:process';
import v8 from 'node:v8';

// A command that opens the store for one short operation has V8 compile PGlite's WebAssembly with
// its baseline compiler only: optimising it in background threads costs more CPU than such a
// command runs (a `get` that opens the directory: 1.2 s of CPU and 0.8 s wall with it, 0.55 s and
// 0.5 s without). What runs long (serve, stress, maintain, stats --watch) keeps the optimising
// tier. A key that happens to be named like one of those only keeps the default.
const RUNS_LONG = new Set(['serve', 'stress', 'maintain', '--watch']);
if (!process.argv.slice(2).some((arg) => RUNS_LONG.has(arg)))
  v8.setFlagsFromString('--liftoff-only');

const { createCliContext, main } = await import('../dist/cli/main.js');

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
