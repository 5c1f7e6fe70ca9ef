import type { MigrationStatus } from '../migrations/index.js';
import type { Operation } from './operation.js';

/** `migrate status`: applied, pending and drifted migrations (read-only). */
export const migrationStatusOperation: Operation<Record<string, never>, MigrationStatus> = {
  name: 'migrate-status',
  parseInput() {
    return {};
  },
  run(ctx) {
    return ctx.store.migrationStatus({ deadline: ctx.deadline });
  },
};

/** The `migrate status --json` document. */
export function migrationStatusDocument(status: MigrationStatus): Record<string, unknown> {
  return {
    applied: status.applied,
    pending: status.pending,
    drifted: status.drifted,
    unknown: status.unknown,
    current: status.current,
    latest: status.latest,
  };
}
