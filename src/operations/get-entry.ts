import type { EntryKind } from '../store/keys.js';
import { TIERS, type Tier } from '../tiers/tier-metrics.js';
import type { TieredCache, TieredGetOptions } from '../tiers/tiered-cache.js';
import { InputReader } from './input.js';
import type { Operation } from './operation.js';
import { parseTierSettings, withRequestTiers, type TierSettings } from './request-tiers.js';

/** What `get` asks for. */
export interface GetInput {
  readonly key: string;
  /** Read this tier only. */
  readonly tier?: Tier | undefined;
  /** TTL of an entry filled from the origin. */
  readonly ttlMs?: number | undefined;
  readonly tiers: TierSettings;
}

/** What `get` found: the `get --json` document and the HTTP API's `GET /v1/entries/KEY`. */
export type GetReport =
  | { readonly key: string; readonly found: false; readonly value: null }
  | {
      readonly key: string;
      readonly found: true;
      readonly value: unknown;
      readonly kind: EntryKind;
      readonly sizeBytes: number;
      /** ISO time, null for never. */
      readonly expiresAt: string | null;
      readonly tier: Tier;
      /** True when it had expired and was served within the grace period. */
      readonly stale: boolean;
    };

/** Read `key` through `cache`'s tiers. */
export async function readEntry(
  cache: TieredCache,
  key: string,
  options: TieredGetOptions,
): Promise<GetReport> {
  const read = await cache.get(key, options);
  if (read === undefined) return { key, found: false, value: null };
  const { entry, tier, stale } = read;
  return {
    key,
    found: true,
    value: entry.value,
    kind: entry.kind,
    sizeBytes: entry.sizeBytes,
    expiresAt: entry.expiresAt?.toISOString() ?? null,
    tier,
    stale,
  };
}

/** `get KEY`: read through memory, the store and the origin. */
export const getOperation: Operation<GetInput, GetReport> = {
  name: 'get',
  parseInput(raw) {
    const input = new InputReader('get', raw);
    const tier = input.raw['tier'] === undefined ? undefined : input.oneOf('tier', TIERS);
    return {
      key: input.string('key'),
      tier,
      ttlMs: input.optionalNumber('ttlMs'),
      tiers: parseTierSettings(input),
    };
  },
  run(ctx, { key, tier, ttlMs, tiers }) {
    return withRequestTiers(ctx, tiers, (cache) =>
      readEntry(cache, key, { deadline: ctx.deadline, tier, ttlMs }),
    );
  },
};
