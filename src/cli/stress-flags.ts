import { InvalidArgumentError } from 'commander';
import { parseBytes } from '../config/units.js';
import { UsageError } from '../errors/index.js';
import {
  loadProfile,
  parseTargetsFile,
  PROFILES,
  type ProfileName,
} from '../stress/judging/profiles.js';
import type { TargetSet } from '../stress/judging/targets.js';
import type { LoadMode } from '../stress/plan.js';
import type { StressOptions } from '../stress/run-stress.js';
import type { CliContext } from './context.js';
import type { GlobalFlags } from './flags.js';
import { readInputFile } from './read-input.js';

/** The flags of `pgcache stress`, as commander parses them. */
export interface StressFlags extends GlobalFlags {
  list?: boolean;
  profile?: string;
  targets?: string;
  scenario?: string[];
  concurrency?: number;
  rate?: number;
  duration?: number;
  ops?: number;
  warmup?: number;
  seed?: number;
  distribution?: 'uniform' | 'zipf';
  reads?: number;
  keys?: number;
  valueSize?: { min: number; max: number };
  rounds?: number;
  bail?: number;
  keep?: boolean;
  processes?: number;
  http?: boolean;
  baseline?: string;
  quiet?: boolean;
}

/** `--rate 500/s` (or `500`): operations per second. */
export function rateArg(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:\/s|ops\/s)?\s*$/.exec(value);
  const rate = Number(match?.[1]);
  if (match === null || !(rate > 0) || rate > 1_000_000) {
    throw new InvalidArgumentError(
      `"${value}" is not a rate; write operations per second, e.g. 500/s`,
    );
  }
  return rate;
}

/** `--reads 80%` (or `80`): the share of reads in a workload, as a fraction. */
export function percentArg(value: string): number {
  const n = Number(value.trim().replace(/%$/, ''));
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) {
    throw new InvalidArgumentError(`"${value}" is not a percentage from 0 to 100`);
  }
  return n / 100;
}

/** `--value-size 64B-4KB` or `--value-size 512`: the range of value sizes. */
export function sizeRangeArg(value: string): { min: number; max: number } {
  const [low = '', high = low] = value.split('-');
  try {
    const min = parseBytes(low);
    const max = parseBytes(high);
    if (min < 20 || max < min) throw new RangeError('the range must go up, from at least 20 bytes');
    return { min, max };
  } catch (error) {
    throw new InvalidArgumentError(`"${value}": ${(error as Error).message} (e.g. 64B-4KB)`);
  }
}

/** `--distribution uniform|zipf`. */
export function distributionArg(value: string): 'uniform' | 'zipf' {
  if (value === 'uniform' || value === 'zipf') return value;
  throw new InvalidArgumentError(`"${value}" is not uniform or zipf`);
}

/**
 * The load the flags ask for; combinations that make no sense are usage errors (exit 2) before
 * anything is opened or started.
 */
export function loadMode(flags: StressFlags): LoadMode {
  if (flags.processes !== undefined && flags.http === true) {
    throw new UsageError('--processes and --http cannot be used together', {
      hint: 'Pick one: --processes N runs the load from N child processes through the store API, --http sends it to serve over HTTP.',
    });
  }
  if (flags.http === true && flags.rate !== undefined) {
    throw new UsageError('--rate cannot be used with --http', {
      hint: "autocannon keeps each connection busy (closed model) and times each request from when it was sent, so it cannot show a schedule's stalls; use --concurrency N with --http, or --rate without it.",
    });
  }
  if (flags.processes !== undefined) return { kind: 'processes', count: flags.processes };
  return flags.http === true ? { kind: 'http' } : { kind: 'in-process' };
}

/** The targets of this run: `--targets FILE`, or a shipped profile (`--profile`, default seed). */
export function resolveTargets(ctx: CliContext, flags: StressFlags): TargetSet {
  if (flags.targets !== undefined) {
    if (flags.profile !== undefined) {
      throw new UsageError('--targets and --profile cannot be used together', {
        hint: 'A targets file replaces the profile; pass one of them.',
      });
    }
    return parseTargetsFile(readInputFile(ctx.cwd, flags.targets, '--targets'), flags.targets);
  }
  const profile = flags.profile ?? 'seed';
  if (!(PROFILES as readonly string[]).includes(profile)) {
    throw new UsageError(`unknown profile "${profile}"`, {
      hint: `Profiles: ${PROFILES.join(', ')}; or pass your own with --targets FILE.`,
    });
  }
  return loadProfile(profile as ProfileName);
}

/** The run the flags ask for; without --seed, one is drawn from the clock (and reported). */
export function stressOptions(
  flags: StressFlags,
  ctx: Pick<CliContext, 'clock'>,
  tickMs: number,
): Omit<StressOptions, 'plan'> {
  return {
    seed: flags.seed ?? ctx.clock.now() % 1_000_000,
    overrides: {
      concurrency: flags.concurrency,
      ratePerSec: flags.rate,
      ops: flags.ops,
      durationMs: flags.duration,
      warmupMs: flags.warmup,
    },
    workload: {
      distribution: flags.distribution,
      readRatio: flags.reads,
      keys: flags.keys,
      valueBytes: flags.valueSize,
    },
    rounds: flags.rounds,
    bailAfterFailures: flags.bail,
    keep: flags.keep,
    tickMs,
  };
}
