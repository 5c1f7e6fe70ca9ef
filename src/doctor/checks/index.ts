import type { Check } from '../check.js';
import { breakersCheck } from './breakers.js';
import { configCheck } from './config.js';
import { connectionsCheck } from './connections.js';
import { dataDirCheck } from './data-dir.js';
import { integrityCheck } from './integrity.js';
import { lastStressCheck } from './last-stress.js';
import { lockCheck } from './lock.js';
import { maintenanceCheck } from './maintenance.js';
import { openCheck } from './open.js';
import { runtimeCheck } from './runtime.js';
import { schemaCheck } from './schema.js';

/**
 * Every check, in the order they run: the ones that read files first, then the ones that need
 * the store, and the lifecycle probe last (it closes the doctor's own store to start clean).
 */
export const CHECKS: readonly Check[] = [
  runtimeCheck,
  configCheck,
  dataDirCheck,
  lockCheck,
  openCheck,
  schemaCheck,
  integrityCheck,
  breakersCheck,
  maintenanceCheck,
  lastStressCheck,
  connectionsCheck,
];
