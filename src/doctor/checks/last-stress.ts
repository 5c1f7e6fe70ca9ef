import { lastStressProbe } from '../../operations/doctor-probes.js';
import { formatRelative } from '../../config/units.js';
import { pass, problem, type Check } from '../check.js';
import { withSessionStore } from '../with-session-store.js';

/** The verdict of the last `pgcache stress` run, if one was recorded. */
export const lastStressCheck: Check = {
  id: 'last-stress',
  title: 'the verdict of the last stress run',
  run(ctx) {
    return withSessionStore(ctx, 2, async () => {
      const doc = (await ctx.probe(lastStressProbe, {})).lastStress;
      if (doc === null) return pass('no stress run recorded');
      const at = [doc['finishedAt'], doc['at'], doc['startedAt']].find(
        (v): v is string => typeof v === 'string',
      );
      const when = at === undefined ? '' : ` ${formatRelative(at, ctx.now())} (${at})`;
      const verdict = typeof doc['verdict'] === 'string' ? doc['verdict'].toLowerCase() : undefined;
      const data = { lastStress: doc };
      if (verdict === 'pass' || verdict === 'passed')
        return pass(`the last stress run passed${when}`, data);
      // An interrupted run missed nothing: it was cut short before its targets could be judged.
      if (verdict === 'interrupted') {
        return problem(
          'warn',
          `the last stress run was interrupted${when}: its targets were not all judged`,
          'Run `pgcache stress` again and let it run to its end.',
          data,
        );
      }
      return problem(
        'warn',
        verdict === 'fail' || verdict === 'failed'
          ? `the last stress run failed${when}`
          : `the last stress run has no verdict pgcache knows (${String(doc['verdict'])})${when}`,
        'Run `pgcache stress` again and look at the targets it misses.',
        data,
      );
    });
  },
};
