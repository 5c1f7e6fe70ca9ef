// Benchmark-only native modules live in bench/package.json, so that the project's own
// `npm install` (and CI) never compiles them; the first `npm run bench` installs them here.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));

/** A module loaded from bench/node_modules, or the reason it could not be. */
export type Loaded<T> = { ok: true; module: T; version: string } | { ok: false; reason: string };

/**
 * Import `name` from bench/node_modules, running `npm --prefix bench install` first when it is
 * missing (install scripts are approved per package in bench/package.json's `allowScripts`).
 */
export async function loadBenchModule<T>(
  name: string,
  log: (message: string) => void,
): Promise<Loaded<T>> {
  const packageDir = join(BENCH_DIR, 'node_modules', name);
  if (!existsSync(packageDir)) {
    log(`installing ${name} into bench/node_modules (once; it may compile a native addon)…`);
    const result = spawnSync(
      'npm',
      ['--prefix', BENCH_DIR, 'install', '--no-audit', '--no-fund', '--loglevel=error'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    if (result.status !== 0) {
      const why = result.error?.message ?? lastLine(`${result.stderr}\n${result.stdout}`);
      return { ok: false, reason: `${name} could not be installed: ${why}` };
    }
  }
  try {
    // A computed specifier: resolved at run time from this folder, never by the typecheck.
    const specifier = name;
    const module = ((await import(specifier)) as { default: T }).default;
    const { version } = (
      (await import(`${specifier}/package.json`, {
        with: { type: 'json' },
      })) as { default: { version: string } }
    ).default;
    return { ok: true, module, version };
  } catch (error) {
    return {
      ok: false,
      reason: `${name} could not be loaded: ${lastLine((error as Error).message)}`,
    };
  }
}

function lastLine(text: string): string {
  return (
    text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .at(-1) ?? ''
  );
}
