import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';

// Directories this test file made; test/support/file-cleanup.ts removes them when the file ends,
// so that the gigabytes of copied stores are not all deleted at the end of the run.
const made: string[] = [];

/**
 * A fresh, migrated data directory for one test file or test: a copy of the run's template
 * (removed when the test file ends).
 */
export function copyTemplateDataDir(): string {
  const dir = mkdtempSync(join(inject('runDir'), 'store-'));
  made.push(dir);
  cpSync(inject('templateDataDir'), dir, { recursive: true });
  return dir;
}

/** An empty directory under the run directory (for `init` and brand-new stores). */
export function emptyDir(): string {
  const dir = mkdtempSync(join(inject('runDir'), 'empty-'));
  made.push(dir);
  return dir;
}

/** Remove every directory this test file made (the run directory goes at the end of the run). */
export function removeMadeDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
