import { inject } from 'vitest';
import { ManualClock } from '../../src/clock.js';

/**
 * The instant this test run started (whole seconds), when the global setup also created the
 * migrated template every test copies. Test clocks start here, so a store copied from the
 * template was created "just now" on a test clock and on the real one alike: no verdict depends
 * on the date the suite runs.
 */
export const TEST_START_MS = inject('testStartMs');

/** A fresh manual clock at {@link TEST_START_MS}: one per test, for its writes and its reads. */
export const testClock = (): ManualClock => new ManualClock(TEST_START_MS);
