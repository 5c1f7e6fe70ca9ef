import { existsSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StoreUnavailableError } from '../errors/index.js';

/**
 * A script of `src/platform/` as built in `dist/` (child processes run built JavaScript), found
 * beside this module when it runs from `dist/src/`, in `dist/src/` when it runs from the bundled
 * CLI (`dist/cli/`), or in `dist/` when it runs from the sources.
 */
export function builtPlatformScript(
  name: string,
  what: string,
  hint = 'Build pgcache first (`npm run build`).',
): string {
  const beside = fileURLToPath(new URL(`./${name}`, import.meta.url));
  const candidates = [
    beside,
    fileURLToPath(new URL(`../src/platform/${name}`, import.meta.url)),
    beside.replace(`${sep}src${sep}platform${sep}`, `${sep}dist${sep}src${sep}platform${sep}`),
  ];
  const found = candidates.find((path) => existsSync(path));
  if (found !== undefined) return found;
  throw new StoreUnavailableError(`${what} is missing (${beside})`, { hint });
}

/** The `pgcache` executable of this package (`bin/pgcache.js`, which runs `dist/`). */
export function pgcacheBin(): string {
  for (const up of ['../../bin/pgcache.js', '../../../bin/pgcache.js']) {
    const path = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new StoreUnavailableError('the pgcache executable (bin/pgcache.js) is missing', {
    hint: 'Reinstall pgcache.',
  });
}
