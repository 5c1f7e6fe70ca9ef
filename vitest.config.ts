import { defineConfig } from 'vitest/config';
import ReadmeFirstSequencer from './test/support/sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/wasm-baseline.ts', 'test/support/file-cleanup.ts'],
    sequence: { sequencer: ReadmeFirstSequencer },
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
  },
});
