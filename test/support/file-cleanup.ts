import { afterAll } from 'vitest';
import { removeMadeDirs } from './data-dir.js';

// A setup file: its afterAll is registered first, so it runs after each test file's own hooks
// (which stop the processes and stores using those directories).
afterAll(() => removeMadeDirs());
