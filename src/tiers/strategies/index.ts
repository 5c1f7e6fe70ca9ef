import type { StrategyName } from '../strategy-name.js';
import { cacheAside } from './cache-aside.js';
import { readThrough } from './read-through.js';
import type { CacheStrategy } from './strategy.js';
import { writeBehind } from './write-behind.js';
import { writeThrough } from './write-through.js';

/** The strategy called `name`. */
export function strategyNamed(name: StrategyName): CacheStrategy {
  switch (name) {
    case 'read-through':
      return readThrough;
    case 'write-through':
      return writeThrough;
    case 'write-behind':
      return writeBehind;
    case 'cache-aside':
      return cacheAside;
  }
}

export type { CacheStrategy, WriteTiers } from './strategy.js';
