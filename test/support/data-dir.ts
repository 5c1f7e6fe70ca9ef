import { cpSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';

/**
 * A fresh, migrated data directory for one test file or test: a copy of the run's template
 * (removed with the run directory at the end of the run).
 */
export function copyTemplateDataDir(): string {
  const dir = mkdtempSync(join(inject('runDir'), 'store-'));
  cpSync(inject('templateDataDir'), dir, { recursive: true });
  return dir;
}

/** An empty directory under the run directory (for `init` and brand-new stores). */
export function emptyDir(): string {
  return mkdtempSync(join(inject('runDir'), 'empty-'));
}
