import { unavailable, type BenchCase } from '../case.js';

/**
 * The pgcache store with its in-memory L1 tier in front: gets are L1 hits once the keys are
 * seeded, sets write through to the store. Target: an L1 hit within 2× of a bare Map read.
 */
export const pgcacheL1Case: BenchCase = {
  name: 'pgcache + L1',
  description: 'pgcache store with the in-memory L1 tier (gets are L1 hits)',
  floor: 'map',
  // When src/tiers/ lands: open the store with the L1 tier and return its get/set/close here.
  open: () => Promise.resolve(unavailable('needs the L1 tier (issue 7)')),
};
