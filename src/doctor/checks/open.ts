import { formatDuration } from '../../config/units.js';
import { pass, problem, skipped, type Check } from '../check.js';

/**
 * The store opens within the open budget; reports how long it took. Through its owner, opening is
 * the owner's first answer on its control socket.
 */
export const openCheck: Check = {
  id: 'open',
  title: 'the store opens within its time budget',
  async run(ctx) {
    const session = await ctx.session();
    if (session.state === 'unavailable') {
      return session.status === 'skip'
        ? skipped(session.reason, session.fix)
        : problem('fail', session.reason, session.fix);
    }
    const { store, via } = session.access;
    const took = formatDuration(session.openMs);
    const location = ctx.config?.dataDir ?? '';
    const detail =
      store === undefined
        ? `reached ${location} through ${via ?? 'its owner'} (its control socket) in ${took}`
        : `opened ${store.describe().engine} ${store.describe().location} in ${took}`;
    const data = { openMs: session.openMs, ...(via === undefined ? {} : { via }) };
    return session.openMs > ctx.thresholds.openWarnMs
      ? problem(
          'warn',
          `${detail}, slower than ${formatDuration(ctx.thresholds.openWarnMs)}`,
          via === undefined
            ? 'A slow open is often a loaded machine; run `pgcache maintain` to checkpoint a long WAL, which is replayed on every open.'
            : 'The owner answered slowly: it is busy, or a wire client holds its session (see the connections check).',
          data,
        )
      : pass(detail, data);
  },
};
