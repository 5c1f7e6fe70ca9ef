import type { ManualClock } from '../../src/clock.js';
import { testClock } from './test-clock.js';
import type { SettingValue } from '../../src/config/load-config.js';
import type { SettingKey } from '../../src/config/settings.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { copyTemplateDataDir } from './data-dir.js';

/**
 * A store on a fresh copy of the migrated template, with a manual clock; `thread: true` runs its
 * PGlite in a thread of its own, as `serve` (and `startServe`) needs it.
 */
export async function openTestStore(
  settings: Partial<Record<SettingKey, SettingValue>> = {},
  clock = testClock(),
  { thread = false }: { thread?: boolean } = {},
): Promise<{ store: Store; clock: ManualClock; dataDir: string }> {
  const dataDir = copyTemplateDataDir();
  const store = await openStore({ dataDir, settings, clock, migrations: 'require', thread });
  return { store, clock, dataDir };
}
