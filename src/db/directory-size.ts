import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Total size in bytes of the regular files under `dir` (0 when it does not exist). */
export function directorySize(dir: string): number {
  let total = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const path = join(dir, name);
    try {
      const stat = lstatSync(path);
      if (stat.isDirectory()) total += directorySize(path);
      else if (stat.isFile()) total += stat.size;
    } catch {
      // removed while walking
    }
  }
  return total;
}
