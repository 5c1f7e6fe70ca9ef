import { InvalidTargetsError } from '../../errors/index.js';
import { UNITS, metricKind, metricNames, type ExtraMetrics, type MetricKind } from './metrics.js';

/** How a target compares a measured value with its bound. */
export type Comparator = '<' | '<=' | '>' | '>=';

/** One target: a bound on one metric of one scenario, and where the number comes from. */
export interface Target {
  readonly id: string;
  readonly scenario: string;
  /** The expression as written, e.g. `p95 < 50ms`. */
  readonly expr: string;
  readonly metric: string;
  readonly kind: MetricKind;
  readonly comparator: Comparator;
  /** The bound in the kind's base unit (ms, %, ops/s, count). */
  readonly value: number;
  /** Fewer samples than this make the target `insufficient`, never a pass. @default 1 */
  readonly minSamples: number;
  /** Where the number comes from, e.g. `seed 003 Expected Outcomes`. */
  readonly source: string;
  /** What the source says, in a few words. */
  readonly description: string | undefined;
}

/** A parsed targets file or profile. */
export interface TargetSet {
  /** `seed`, `strict`, or the file's own `profile` name. */
  readonly profile: string;
  readonly description: string | undefined;
  readonly targets: readonly Target[];
}

/** What {@link parseTargets} checks a file against. */
export interface ParseTargetsOptions {
  /** Names the file in messages; the source of targets that name none. */
  readonly origin: string;
  /** The profile name when the file gives none. */
  readonly profile: string;
  /** Every known scenario id with the extra metrics it reports. */
  readonly scenarios: ReadonlyMap<string, ExtraMetrics>;
}

const TOP_LEVEL_KEYS = new Set(['$schema', 'profile', 'description', 'targets']);
const TARGET_KEYS = new Set(['id', 'scenario', 'expr', 'minSamples', 'source', 'description']);
const EXPR =
  /^\s*([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)?)\s*(<=|>=|<|>)\s*(-?\d+(?:\.\d+)?)\s*(\S*)\s*$/;

/**
 * Parse a targets document: `{"targets": [{"id", "scenario", "expr", "minSamples"?, "source"?}]}`.
 * Anything doubtful is an {@link InvalidTargetsError} (exit 2) naming the target: unknown keys,
 * scenarios or metrics, a duplicate id, and a number without the unit its metric needs.
 */
export function parseTargets(text: string, options: ParseTargetsOptions): TargetSet {
  const fail = (message: string, hint?: string): never => {
    throw new InvalidTargetsError(`${options.origin}: ${message}`, {
      hint:
        hint ??
        'Write each target as {"id": "reads-fast", "scenario": "sequential-reads", "expr": "p95 < 50ms"}; see `pgcache stress --list`.',
    });
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return fail(`not valid JSON: ${(error as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return fail('must hold a JSON object with a "targets" array');
  }
  const record = doc as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!TOP_LEVEL_KEYS.has(key)) fail(`unknown key "${key}" (expected "targets")`);
  }
  if (!Array.isArray(record['targets']) || record['targets'].length === 0) {
    return fail('"targets" must be a non-empty array');
  }
  const seen = new Set<string>();
  const targets = record['targets'].map((raw: unknown, index) => {
    const target = readTarget(raw, `target ${index + 1}`, options, fail);
    if (seen.has(target.id)) fail(`target ${index + 1}: the id "${target.id}" is used twice`);
    seen.add(target.id);
    return target;
  });
  return {
    profile: optionalString(record['profile'], 'profile', fail) ?? options.profile,
    description: optionalString(record['description'], 'description', fail),
    targets,
  };
}

function readTarget(
  raw: unknown,
  where: string,
  options: ParseTargetsOptions,
  fail: (message: string, hint?: string) => never,
): Target {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return fail(`${where} must be an object`);
  }
  const t = raw as Record<string, unknown>;
  const id = typeof t['id'] === 'string' && t['id'].trim() !== '' ? t['id'] : undefined;
  const at = id === undefined ? where : `${where} ("${id}")`;
  for (const key of Object.keys(t)) {
    if (!TARGET_KEYS.has(key)) fail(`${at}: unknown key "${key}"`);
  }
  if (id === undefined) return fail(`${where}: "id" must be a non-empty string`);
  const scenario = t['scenario'];
  if (typeof scenario !== 'string') return fail(`${at}: "scenario" must be a string`);
  const extras = options.scenarios.get(scenario);
  if (extras === undefined) {
    return fail(
      `${at}: unknown scenario "${scenario}"`,
      `Known scenarios: ${[...options.scenarios.keys()].join(', ')}.`,
    );
  }
  if (typeof t['expr'] !== 'string')
    return fail(`${at}: "expr" must be a string like "p95 < 50ms"`);
  const minSamples = t['minSamples'] ?? 1;
  if (typeof minSamples !== 'number' || !Number.isInteger(minSamples) || minSamples < 1) {
    return fail(`${at}: "minSamples" must be a whole number from 1`);
  }
  const parsed = parseTargetExpr(t['expr'], extras);
  if (typeof parsed === 'string') return fail(`${at}: ${parsed}`, hintFor(parsed, extras));
  return {
    id,
    scenario,
    expr: t['expr'].trim(),
    ...parsed,
    minSamples,
    source: optionalString(t['source'], `${at} source`, fail) ?? options.origin,
    description: optionalString(t['description'], `${at} description`, fail),
  };
}

/**
 * Parse `metric comparator number[unit]` for a scenario with `extras`; returns the parts, or a
 * message saying what is wrong (unknown metric, missing or wrong unit).
 */
export function parseTargetExpr(
  expr: string,
  extras: ExtraMetrics,
): Pick<Target, 'metric' | 'kind' | 'comparator' | 'value'> | string {
  const match = EXPR.exec(expr);
  if (match === null) {
    return `"${expr}" is not "metric comparator value", e.g. "p95 < 50ms" or "successRate >= 98%"`;
  }
  const [, metric = '', comparator = '<', number = '0', unit = ''] = match;
  const kind = metricKind(metric, extras);
  if (kind === undefined) return `"${expr}": unknown metric "${metric}" for this scenario`;
  const factor = UNITS[kind][unit.toLowerCase()] ?? UNITS[kind][unit];
  if (factor === undefined) {
    const units = Object.keys(UNITS[kind]).filter((u) => u !== 'µs');
    if (unit === '')
      return `"${expr}": ${number} has no unit; ${metric} needs one of ${units.join(', ')}`;
    return kind === 'count'
      ? `"${expr}": ${metric} is a count and takes a plain number, not "${unit}"`
      : `"${expr}": "${unit}" is not a unit of ${metric}; use one of ${units.join(', ')}`;
  }
  return { metric, kind, comparator: comparator as Comparator, value: Number(number) * factor };
}

function hintFor(problem: string, extras: ExtraMetrics): string {
  if (problem.includes('unknown metric')) {
    return `Metrics of this scenario: ${metricNames(extras).join(', ')}.`;
  }
  return 'Times need ns, us, ms or s; successRate and growth need %, throughput ops/s; counts are plain numbers.';
}

function optionalString(
  value: unknown,
  name: string,
  fail: (message: string) => never,
): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return fail(`"${name}" must be a string`);
  return value;
}
