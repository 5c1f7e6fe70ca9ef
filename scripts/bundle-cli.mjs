// Bundles the CLI (commands/ and the src/ modules they load) into dist/cli/, after tsc.
//
// Why: Node 20 has no compile cache, and finding, reading and compiling one by one the ES and
// CommonJS modules a `get` loads took it from 157 ms to 200 ms through `serve` (bench medians;
// bench/startup.ts measures it). Dynamic imports stay separate chunks, so a command still loads only what it
// uses. The library (`import … from 'pgcache'`) stays the unbundled dist/src/, and so do the
// scripts child processes run (dist/src/platform/*.js).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// Chunk names change with their content: start empty so no stale chunk ships.
rmSync(`${root}/dist/cli`, { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints: { main: 'dist/commands/main.js' },
  outdir: 'dist/cli',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // ES builds first: some packages' CommonJS builds are UMD wrappers whose require() calls a
  // bundler cannot follow (jsonc-parser's).
  mainFields: ['module', 'main'],
  // CommonJS dependencies (pg, cockatiel, commander) call require(): give each chunk one.
  banner: {
    js: "import { createRequire as __pgcacheRequire } from 'node:module'; const require = __pgcacheRequire(import.meta.url);",
  },
  // PGlite finds its WASM and data files next to itself; autocannon and execa start processes
  // and threads from their own files. They stay where npm put them.
  external: ['@electric-sql/*', 'autocannon', 'execa', 'pg-native'],
  logLevel: 'warning',
});
