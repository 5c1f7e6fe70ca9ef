import type { EntryInput } from '../store/entry.js';
import type { StrategyName } from '../tiers/strategy-name.js';
import type { TieredCache } from '../tiers/tiered-cache.js';
import type { Deadline } from '../resilience/deadline.js';
import { writtenJson, type WrittenJson } from './entry-json.js';
import { InputReader } from './input.js';
import type { Operation } from './operation.js';
import { parseTierSettings, withRequestTiers, type TierSettings } from './request-tiers.js';

/** What `set KEY VALUE` asks for. */
export interface SetInput {
  readonly key: string;
  readonly value: unknown;
  readonly ttlMs?: number | undefined;
  readonly tiers: TierSettings;
}

/** What was stored, and how (the HTTP API's `PUT /v1/entries/KEY` answer). */
export interface SetReport extends WrittenJson {
  readonly strategy: StrategyName;
}

/** Write `value` under `key` through `cache`, as its strategy says. */
export async function writeEntry(
  cache: TieredCache,
  key: string,
  value: unknown,
  options: { ttlMs?: number | undefined; deadline: Deadline },
): Promise<SetReport> {
  const written = await cache.set(key, value, options);
  return { ...writtenJson(written), strategy: cache.strategy.name };
}

/** The `set --json` document. */
export function setDocument(r: SetReport): Record<string, unknown> {
  return {
    key: r.key,
    kind: r.kind,
    sizeBytes: r.sizeBytes,
    expiresAt: r.expiresAt,
    strategy: r.strategy,
  };
}

/** `set KEY VALUE`: store one value through the tiers. */
export const setOperation: Operation<SetInput, SetReport> = {
  name: 'set',
  parseInput(raw) {
    const input = new InputReader('set', raw);
    return {
      key: input.string('key'),
      value: input.value('value'),
      ttlMs: input.optionalNumber('ttlMs'),
      tiers: parseTierSettings(input),
    };
  },
  run(ctx, { key, value, ttlMs, tiers }) {
    return withRequestTiers(ctx, tiers, (cache) =>
      writeEntry(cache, key, value, { ttlMs, deadline: ctx.deadline }),
    );
  },
};

/** What `set --batch` asks for: every item, or none. */
export interface SetBatchInput {
  readonly items: readonly EntryInput[];
  readonly tiers: TierSettings;
}

/** What a batch stored: the `set --batch --json` document. */
export interface SetBatchReport {
  readonly written: number;
  readonly bytes: number;
}

/** `set --batch FILE`: store every item or none. */
export const setBatchOperation: Operation<SetBatchInput, SetBatchReport> = {
  name: 'set-batch',
  parseInput(raw) {
    const input = new InputReader('set-batch', raw);
    return {
      items: input.list('items').map((item) => ({
        key: item.string('key'),
        value: item.value('value'),
        ttlMs: item.optionalNumber('ttlMs'),
      })),
      tiers: parseTierSettings(input),
    };
  },
  run(ctx, { items, tiers }) {
    return withRequestTiers(ctx, tiers, (cache) =>
      cache.setMany(items, { deadline: ctx.deadline }),
    );
  },
};
