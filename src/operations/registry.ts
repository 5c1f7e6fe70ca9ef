import { deleteOperation } from './delete-entries.js';
import { DOCTOR_PROBES } from './doctor-probes.js';
import { getOperation } from './get-entry.js';
import { healthOperation } from './health.js';
import { listOperation } from './list-entries.js';
import { maintainOperation } from './maintain-run.js';
import { migrationStatusOperation } from './migration-status.js';
import type { Operation } from './operation.js';
import { setBatchOperation, setOperation } from './set-entry.js';
import { statsOperation } from './stats-report.js';

/** Every operation the control socket answers, by name. */
export const OPERATIONS: ReadonlyMap<string, Operation<unknown, unknown>> = new Map(
  (
    [
      getOperation,
      setOperation,
      setBatchOperation,
      deleteOperation,
      listOperation,
      statsOperation,
      maintainOperation,
      migrationStatusOperation,
      healthOperation,
      ...DOCTOR_PROBES,
    ] as Operation<unknown, unknown>[]
  ).map((op) => [op.name, op]),
);
