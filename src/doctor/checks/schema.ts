import { judge, type Check, type Finding } from '../check.js';
import { withSessionStore } from '../with-session-store.js';

/** No pending migration, no checksum drift, no migration newer than this pgcache. */
export const schemaCheck: Check = {
  id: 'schema',
  title: 'schema: no pending migration, no checksum drift',
  fixes: 'applies pending migrations (only with --fix --migrate)',
  run(ctx) {
    return withSessionStore(ctx, 0, (status) => {
      const findings: Finding[] = [
        ...status.drifted.map((d): Finding => ({
          status: 'fail',
          detail: `migration ${d.version} ${d.name} changed after it was applied (recorded checksum ${d.recorded.slice(0, 12)}…, now ${d.expected.slice(0, 12)}…)`,
          fix: `Restore the original SQL of migration ${d.version} ${d.name}: an applied migration must never be edited.`,
        })),
        ...status.unknown.map((u): Finding => ({
          status: 'fail',
          detail: `migration ${u.version} ${u.name} was applied by a newer pgcache`,
          fix: 'Upgrade pgcache to the version that migrated this store.',
        })),
      ];
      if (status.pending.length > 0) {
        findings.push({
          status: 'fail',
          detail: `${status.pending.length} pending migration(s): ${status.pending.map((p) => `${p.version} ${p.name}`).join(', ')}`,
          fix: 'Run `pgcache migrate up` (or `pgcache doctor --fix --migrate`).',
        });
      }
      const facts = `schema version ${status.current} of ${status.latest}, ${status.applied.length} applied`;
      return Promise.resolve(
        judge(facts, findings, {
          current: status.current,
          latest: status.latest,
          pending: status.pending,
          drifted: status.drifted,
        }),
      );
    });
  },
  async fix(ctx) {
    if (!ctx.migrate) return undefined;
    const session = await ctx.session();
    // Never under a live owner: its code runs on the schema it opened.
    const store = session.state === 'open' ? session.access.store : undefined;
    if (store === undefined) return undefined;
    const status = await store.migrationStatus();
    if (status.pending.length === 0 || status.drifted.length > 0 || status.unknown.length > 0) {
      return undefined;
    }
    const applied = await store.migrateUp();
    return `applied migration(s) ${applied.map((m) => `${m.version} ${m.name}`).join(', ')}`;
  },
};
