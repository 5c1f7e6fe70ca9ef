import { InvalidJsonError } from '../../errors/index.js';
import type { StressReport } from '../report.js';

/**
 * A previous run to compare with: a `pgcache stress --json` document. Documents of older versions
 * lack some fields (the timeline, the machine), so every field past the basics may be missing.
 */
export type BaselineReport = Pick<StressReport, 'runId' | 'seed' | 'profile' | 'verdict'> &
  Partial<Pick<StressReport, 'startedAt' | 'machine' | 'loadSource' | 'durationMs'>> & {
    readonly scenarios: readonly BaselineScenario[];
  };

/** A scenario of a {@link BaselineReport}. */
export type BaselineScenario = Pick<
  StressReport['scenarios'][number],
  'id' | 'attempted' | 'succeeded' | 'failed' | 'successRate' | 'throughput' | 'latencyMs'
> &
  Partial<Pick<StressReport['scenarios'][number], 'verdict' | 'errors' | 'targets' | 'histogram'>>;

/** Read `--baseline FILE`; anything but a stress `--json` document is E_INVALID_JSON (exit 65). */
export function parseBaseline(text: string, file: string): BaselineReport {
  const fail = (why: string): never => {
    throw new InvalidJsonError(`--baseline ${file}: ${why}`, {
      hint: 'Pass the stdout of an earlier `pgcache stress --json` run (saved to a file).',
    });
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return fail(`not valid JSON: ${(error as Error).message}`);
  }
  const record = (typeof doc === 'object' && doc !== null ? doc : {}) as Record<string, unknown>;
  if (record['schemaVersion'] !== 1 || !Array.isArray(record['scenarios'])) {
    return fail('not a `pgcache stress --json` document (no schemaVersion 1 and scenarios)');
  }
  for (const [i, s] of (record['scenarios'] as unknown[]).entries()) {
    const scenario = (typeof s === 'object' && s !== null ? s : {}) as Record<string, unknown>;
    const latency = scenario['latencyMs'] as Record<string, unknown> | undefined;
    if (
      typeof scenario['id'] !== 'string' ||
      typeof scenario['attempted'] !== 'number' ||
      typeof latency?.['p95'] !== 'number'
    ) {
      fail(`scenario ${i + 1} lacks its id, attempted or latencyMs figures`);
    }
  }
  return doc as BaselineReport;
}
