import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors/index.js';

/** Read a file named on the command line; a missing or unreadable file is a usage error. */
export function readInputFile(cwd: string, path: string, flag: string): string {
  try {
    return readFileSync(resolve(cwd, path), 'utf8');
  } catch (error) {
    throw new UsageError(
      `${flag} ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
      {
        hint: 'Check the path (and that it is a readable file); nothing was done.',
      },
    );
  }
}
