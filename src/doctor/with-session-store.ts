import { MIGRATIONS, type MigrationStatus } from '../migrations/index.js';
import { migrationStatusOperation } from '../operations/migration-status.js';
import { skipped, type CheckResult } from './check.js';
import type { DoctorContext, StoreSession } from './doctor-context.js';

/**
 * Run a check on the store when it can be reached (opened, or through its owner) and its schema
 * has migrations 1 to `needsVersion`; otherwise the check is skipped, saying why. `fn` gets the
 * migration status read for that decision, and runs its probes with `ctx.probe`.
 */
export async function withSessionStore(
  ctx: DoctorContext,
  needsVersion: number,
  fn: (status: MigrationStatus) => Promise<CheckResult>,
): Promise<CheckResult> {
  const session = await ctx.session();
  if (session.state === 'unavailable') return skippedWithout(session);
  const status = await ctx.probe(migrationStatusOperation, {});
  const applied = new Set(status.applied.map((m) => m.version));
  const missing = MIGRATIONS.filter((m) => m.version <= needsVersion && !applied.has(m.version));
  if (missing.length > 0) {
    return skipped(
      `the schema lacks migration ${missing.map((m) => `${m.version} ${m.name}`).join(', ')}`,
      'Run `pgcache migrate up` (or `pgcache doctor --fix --migrate`).',
    );
  }
  return fn(status);
}

/** The result of a check that needs the store when there is none: skipped, saying why. */
export function skippedWithout(session: StoreSession & { state: 'unavailable' }): CheckResult {
  return session.status === 'skip'
    ? skipped(session.reason, session.fix)
    : skipped('the store did not open (see the open check)', session.fix);
}

/** What the checks say about where they looked: ` in pid 4242` through an owner, else nothing. */
export async function throughOwner(ctx: DoctorContext): Promise<string> {
  const session = await ctx.session();
  const via = session.state === 'open' ? session.access.via : undefined;
  return via === undefined ? '' : ` in ${via}`;
}
