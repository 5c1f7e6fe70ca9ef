import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * The version of package `name` as Node's module resolution finds it from here, or `undefined`
 * when it is not installed. Reads `package.json` directly: some packages do not export it.
 */
export function installedVersion(name: string): string | undefined {
  const require = createRequire(import.meta.url);
  for (const dir of require.resolve.paths(name) ?? []) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, name, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === name) return pkg.version;
    } catch {
      // not in this node_modules; look further up
    }
  }
  return undefined;
}
