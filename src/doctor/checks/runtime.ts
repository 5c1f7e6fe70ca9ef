import { PGLITE_VERSION } from '../../db/pglite-version.js';
import { judge, type Check, type Finding } from '../check.js';

/** The oldest Node.js major pgcache supports (package.json `engines`). */
export const MIN_NODE_MAJOR = 20;

/** Packages pinned to an exact version, and why it matters. */
export const PINNED_PACKAGES: Readonly<Record<string, string>> = {
  // pglite-socket 0.2.17 requires exactly this PGlite.
  '@electric-sql/pglite': PGLITE_VERSION,
  '@electric-sql/pglite-socket': '0.2.17',
  // 4.x needs Node 22, and the persisted breaker document follows 3.x's shape.
  cockatiel: '3.2.1',
};

/** Node.js version supported; the pinned packages installed at their versions. */
export const runtimeCheck: Check = {
  id: 'runtime',
  title: 'Node.js version and pinned packages',
  run(ctx) {
    const node = ctx.deps.host.nodeVersion;
    const findings: Finding[] = [];
    if (Number(node.split('.')[0]) < MIN_NODE_MAJOR) {
      findings.push({
        status: 'fail',
        detail: `Node ${node} is older than the supported ${MIN_NODE_MAJOR}`,
        fix: `Install Node ${MIN_NODE_MAJOR} or later (e.g. \`nvm install ${MIN_NODE_MAJOR}\`).`,
      });
    }
    const installed = Object.entries(PINNED_PACKAGES).map(([name, pinned]) => ({
      name,
      pinned,
      version: ctx.packageVersion(name),
    }));
    for (const { name, pinned, version } of installed) {
      if (version === pinned) continue;
      findings.push({
        status: 'fail',
        detail: `${name} is ${version === undefined ? 'not installed' : version}, pinned ${pinned}`,
        fix: 'Run `npm ci` to install the pinned versions from package-lock.json.',
      });
    }
    const facts = `Node ${node} (>= ${MIN_NODE_MAJOR}); ${installed
      .map((p) => `${p.name} ${p.version ?? 'missing'}`)
      .join(', ')}`;
    return Promise.resolve(judge(facts, findings, { node, packages: installed }));
  },
};
