/** The caching strategies, by the name `--strategy` and the `strategy` setting take. */
export const STRATEGY_NAMES = [
  'read-through',
  'write-through',
  'write-behind',
  'cache-aside',
] as const;

/** One of {@link STRATEGY_NAMES}. */
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** True when `name` is one of {@link STRATEGY_NAMES}. */
export function isStrategyName(name: unknown): name is StrategyName {
  return (STRATEGY_NAMES as readonly unknown[]).includes(name);
}
