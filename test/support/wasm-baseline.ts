import v8 from 'node:v8';

// Each test file runs in a process of its own that opens stores for a few statements, as the
// short CLI commands do (bin/pgcache.js): V8 compiles PGlite's WebAssembly with its baseline
// compiler only, instead of also optimising it in background threads, which cost more CPU than
// the tests run (it halved the CPU time of the CLI and doctor test files). Nothing measures speed
// here; bench/ runs with V8's defaults.
v8.setFlagsFromString('--liftoff-only');
