import type { LockOwner } from '../../errors/index.js';
import { describeHolder } from '../../operations/live-figures.js';
import { judge, plural, type Check, type CheckResult, type Finding } from '../check.js';
import {
  idleSessionFindings,
  leftoverFindings,
  probeData,
  probeFacts,
  probeFindings,
  wireFacts,
  wireFindings,
} from '../connection-findings.js';
import type { DoctorContext } from '../doctor-context.js';
import { runLifecycleProbe, storeProbeTarget } from '../lifecycle-probe.js';
import { ownerClient, ownerProbeTarget, readOwnerConnections } from '../owner-probe.js';
import { skippedWithout } from '../with-session-store.js';

/**
 * Leaked connections: the lifecycle probe in this process and, on a PostgreSQL server, this
 * tool's sessions left idle or idle in a transaction. Through a live owner, the probe reaches
 * its control socket (never opening the directory), and the owner's wire clients (`serve`'s) are
 * judged from its memory: they answer while one of them holds the session.
 */
export const connectionsCheck: Check = {
  id: 'connections',
  title: 'leaked connections: open/close probe, idle server sessions or serve clients',
  async run(ctx) {
    const session = await ctx.session();
    if (session.state === 'unavailable') return skippedWithout(session);
    const owner = session.access.owner;
    if (owner !== undefined) return connectionsThroughOwner(ctx, owner);
    const t = ctx.thresholds;
    const store = session.access.store;
    const idle =
      ctx.embedded || store === undefined
        ? undefined
        : await store.execute(
            'read',
            'doctor.sessions',
            async (db) => {
              const idleForMs = Math.min(t.idleSessionMs, t.idleInTransactionMs);
              return (await db.sessions?.({ idleForMs }))?.idle ?? [];
            },
            { bypassBreaker: true },
          );
    // The probe measures from a clean slate: the doctor's own store is closed first.
    await ctx.closeSession();
    const probe = await runLifecycleProbe(ctx, storeProbeTarget(ctx));
    const facts = probeFacts(probe, 'open/close cycle', 'opens');
    if (idle !== undefined)
      facts.push(`${plural(idle.length, 'idle pgcache session')} on the server`);
    return judge(
      facts.join('; '),
      [...probeFindings(ctx, probe), ...idleSessionFindings(ctx, idle ?? [])],
      { ...probeData(probe), ...(idle === undefined ? {} : { idleSessions: idle }) },
    );
  },
};

async function connectionsThroughOwner(ctx: DoctorContext, owner: LockOwner): Promise<CheckResult> {
  await ctx.closeSession();
  const client = ownerClient(ctx, owner);
  const { figures: before } = await readOwnerConnections(ctx, client);
  const wireBefore = before.wire;
  const held: Finding[] =
    wireBefore === null ? [] : wireFindings(ctx, { before: wireBefore, after: wireBefore });
  const data = { owner: { pid: owner.pid, before } };
  const holding =
    before.holder === null ? [] : [`session held by ${describeHolder(before.holder)}`];
  // A client holding the session: say so at once (nothing that needs the database is asked).
  if (held.some((f) => f.status === 'fail')) {
    const wire = wireBefore === null ? [] : [wireFacts({ before: wireBefore, after: wireBefore })];
    return judge([...wire, ...holding, 'probe not run'].join('; '), held, data);
  }
  const probe = await runLifecycleProbe(ctx, ownerProbeTarget(ctx, client));
  const { figures: after, leftover } = await readOwnerConnections(ctx, client);
  const wire =
    wireBefore === null || after.wire === null
      ? undefined
      : { before: wireBefore, after: after.wire };
  const facts = [
    ...(wire === undefined ? [] : [wireFacts(wire)]),
    ...holding,
    ...probeFacts(probe, 'request cycle', `to ${client.via}'s control socket, answers in`),
  ];
  return judge(
    facts.join('; '),
    [
      ...(wire === undefined ? [] : wireFindings(ctx, wire)),
      ...leftoverFindings(leftover),
      ...probeFindings(ctx, probe),
    ],
    { ...probeData(probe), owner: { pid: owner.pid, before, after } },
  );
}
