import { InvalidArgumentError } from 'commander';
import { parseBytes } from '../config/units.js';
import type { GlobalFlags } from './flags.js';

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
  junit?: string;
  markdown?: string;
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
