import { sleep } from '../clock.js';
import { ControlClient, ownerVia } from '../control/control-client.js';
import type { LockOwner } from '../errors/index.js';
import { connectionsProbe, type ConnectionsProbe } from '../operations/doctor-probes.js';
import { healthOperation } from '../operations/health.js';
import type { ControlClientStats } from '../operations/live-figures.js';
import type { DoctorContext } from './doctor-context.js';
import type { ProbeTarget } from './lifecycle-probe.js';

/** The owner's connections, apart from the doctor's own requests. */
export interface OwnerConnections {
  readonly figures: ConnectionsProbe;
  /** The doctor's requests the owner still lists after they were answered. */
  readonly leftover: readonly ControlClientStats[];
}

const SETTLE_POLLS = 25;
const SETTLE_POLL_MS = 20;

/** A client of the owner's control socket, as the doctor. */
export function ownerClient(ctx: DoctorContext, owner: LockOwner): ControlClient {
  return new ControlClient({
    path: owner.endpoints?.control ?? '',
    via: ownerVia(owner),
    caller: { pid: ctx.deps.host.pid, name: ctx.connectionName },
    clock: ctx.deps.clock,
  });
}

/**
 * The owner's wire clients, session holder and control requests, read from its memory (a client
 * holding the session would make any call that needs the database wait). The doctor's own
 * requests leave the owner's list as they are answered: wait briefly for stragglers; those still
 * listed after that are `leftover`.
 */
export async function readOwnerConnections(
  ctx: DoctorContext,
  client: ControlClient,
): Promise<OwnerConnections> {
  const ours = (figures: ConnectionsProbe): ControlClientStats[] =>
    (figures.control?.clients ?? []).filter((c) => c.pid === ctx.deps.host.pid);
  let figures = await client.call<ConnectionsProbe>(connectionsProbe.name, {}, ctx.deadline());
  for (let poll = 0; poll < SETTLE_POLLS && ours(figures).length > 0; poll += 1) {
    await sleep(ctx.deps.clock, SETTLE_POLL_MS);
    figures = await client.call<ConnectionsProbe>(connectionsProbe.name, {}, ctx.deadline());
  }
  return { figures, leftover: ours(figures) };
}

/**
 * The probe through an owner: each cycle makes a connection of its own to the owner's control
 * socket and asks for its health. The data directory itself is never opened.
 */
export function ownerProbeTarget(ctx: DoctorContext, client: ControlClient): ProbeTarget {
  return {
    action: `reach ${client.via}`,
    open() {
      return Promise.resolve({
        ping: () => client.call(healthOperation.name, {}, ctx.deadline()),
        close: () => Promise.resolve(),
      });
    },
  };
}
