import type { OperationType } from '../judging/metrics.js';
import { randomInt, seededRandom, zipfSampler, type Random } from './random.js';

/** How the keys of a workload are chosen. */
export type KeyDistribution = 'uniform' | 'zipf';

/** The shape of the data a workload reads and writes; every figure repeats for the same seed. */
export interface WorkloadOptions {
  /** Distinct keys touched. @default 1000 */
  readonly keys?: number;
  /** `zipf` makes a few keys hot, as in a real cache; `uniform` spreads reads evenly. @default 'zipf' */
  readonly distribution?: KeyDistribution;
  /** Share of reads in [0, 1]; the rest are writes. @default 0.8 */
  readonly readRatio?: number;
  /** Smallest and largest value written, in bytes of JSON. @default { min: 64, max: 1024 } */
  readonly valueBytes?: { readonly min: number; readonly max: number };
}

/** Everything a workload is built from, so that another process can build the same one. */
export interface WorkloadPlan {
  readonly options: WorkloadOptions;
  readonly seed: number;
  readonly prefix: string;
}

/** One operation of a workload. */
export type WorkloadOp =
  | { readonly type: 'read'; readonly key: string }
  | { readonly type: 'write'; readonly key: string; readonly value: StressValue };

/** What the workload stores: a sequence number and a body of the drawn size. */
export interface StressValue {
  readonly n: number;
  readonly body: string;
}

// Values are cut from one seeded random text: incompressible (as real data is), cheap to make.
const TEXT_BYTES = 16_384;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_';

/**
 * A seeded stream of reads and writes over a fixed key space under `prefix`
 * (`stress:<run>:<scenario>:<n>`), so a run can be repeated exactly with the same seed.
 */
export class Workload {
  readonly keyCount: number;
  /** What it was built from (another process rebuilds it from this, with a seed of its own). */
  readonly plan: WorkloadPlan;
  readonly #prefix: string;
  readonly #random: Random;
  readonly #pick: () => number;
  readonly #readRatio: number;
  readonly #min: number;
  readonly #max: number;
  readonly #text: string;
  #n = 0;

  constructor(options: WorkloadOptions, deps: { seed: number; prefix: string }) {
    this.keyCount = options.keys ?? 1000;
    this.#readRatio = options.readRatio ?? 0.8;
    this.#min = options.valueBytes?.min ?? 64;
    this.#max = Math.max(this.#min, options.valueBytes?.max ?? 1024);
    if (!Number.isInteger(this.keyCount) || this.keyCount < 1) {
      throw new RangeError(`Expected \`keys\` to be a whole number from 1, got ${this.keyCount}`);
    }
    if (!(this.#readRatio >= 0 && this.#readRatio <= 1)) {
      throw new RangeError(`Expected \`readRatio\` in [0, 1], got ${this.#readRatio}`);
    }
    this.plan = { options, seed: deps.seed, prefix: deps.prefix };
    this.#prefix = deps.prefix;
    this.#random = seededRandom(deps.seed);
    this.#pick =
      (options.distribution ?? 'zipf') === 'zipf'
        ? zipfSampler(this.keyCount, 1, this.#random)
        : () => randomInt(this.#random, 0, this.keyCount - 1);
    const textRandom = seededRandom(deps.seed ^ 0x5bd1e995);
    let text = '';
    for (let i = 0; i < TEXT_BYTES; i += 1) text += ALPHABET[Math.floor(textRandom() * 64)];
    this.#text = text;
  }

  /** The key with index `i` (0 is the hottest under zipf). */
  key(i: number): string {
    return `${this.#prefix}${i}`;
  }

  /** The next operation: a read or a write as the mix says, on a key the distribution picks. */
  next(): WorkloadOp {
    const type: OperationType = this.#random() < this.#readRatio ? 'read' : 'write';
    return this.op(type, this.#pick());
  }

  /** An operation of `type` on key index `i` (a write gets a fresh value). */
  op(type: OperationType, i: number): WorkloadOp {
    const key = this.key(i);
    return type === 'read' ? { type, key } : { type, key, value: this.value() };
  }

  /** A fresh value of a drawn size. */
  value(): StressValue {
    const size = randomInt(this.#random, this.#min, this.#max);
    this.#n += 1;
    // {"n":123,"body":"…"}: the body takes what the rest leaves of the drawn size.
    const overhead = 16 + String(this.#n).length;
    const length = Math.max(0, Math.min(TEXT_BYTES, size - overhead));
    const start = randomInt(this.#random, 0, TEXT_BYTES - length);
    return { n: this.#n, body: this.#text.slice(start, start + length) };
  }
}
