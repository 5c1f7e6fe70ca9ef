import type { LockOwner } from '../../errors/index.js';
import { inspect } from '../store-access.js';
import { judge, plural, type Check, type CheckResult } from '../check.js';
import {
  idleSessionFindings,
  probeData,
  probeFacts,
  probeFindings,
  wireFacts,
  wireFindings,
} from '../connection-findings.js';
import type { DoctorContext } from '../doctor-context.js';
import { runLifecycleProbe, storeProbeTarget } from '../lifecycle-probe.js';
import { readWireClients, serveAccess, serveProbeTarget } from '../serve-probe.js';
import { skippedWithout } from '../with-session-store.js';

/**
 * Leaked connections: the lifecycle probe in this process and, on a PostgreSQL server, this
 * tool's sessions left idle or idle in a transaction. Through `serve`, the probe connects to its
 * wire endpoint (never opening the directory) and the owner's wire clients are judged instead.
 */
export const connectionsCheck: Check = {
  id: 'connections',
  title: 'leaked connections: open/close probe, idle server sessions or serve clients',
  async run(ctx) {
    const owner = ctx.servingOwner();
    if (owner !== undefined) return connectionsThroughServe(ctx, owner);
    const session = await ctx.session();
    if (session.state === 'unavailable') return skippedWithout(session);
    const t = ctx.thresholds;
    const idle = ctx.embedded
      ? undefined
      : await inspect(session.store, 'doctor.sessions', async (db) => {
          const idleForMs = Math.min(t.idleSessionMs, t.idleInTransactionMs);
          return (await db.sessions?.({ idleForMs }))?.idle ?? [];
        });
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

async function connectionsThroughServe(ctx: DoctorContext, owner: LockOwner): Promise<CheckResult> {
  await ctx.closeSession();
  const serve = serveAccess(ctx, owner);
  const { wire: before } = await readWireClients(ctx, serve);
  const unchanged = { before, after: before, leftover: [] };
  const found = wireFindings(ctx, unchanged);
  // A client holding the session would make every connection of the probe wait for it.
  if (found.some((f) => f.status === 'fail')) {
    return judge(`${wireFacts(unchanged)}; probe not run`, found, {
      serve: { pid: owner.pid, before },
    });
  }
  const probe = await runLifecycleProbe(ctx, serveProbeTarget(ctx, serve));
  const { wire: after, leftover } = await readWireClients(ctx, serve);
  const wire = { before, after, leftover };
  const facts = probeFacts(probe, 'connect/close cycle', `through ${serve.via}, connects`);
  return judge(
    [wireFacts(wire), ...facts].join('; '),
    [...wireFindings(ctx, wire), ...probeFindings(ctx, probe)],
    { ...probeData(probe), serve: { pid: owner.pid, ...wire } },
  );
}
