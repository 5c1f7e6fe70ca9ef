import { ManualClock } from '../../src/clock.js';
import { openEmbeddedDatabase, type EmbeddedDatabase } from '../../src/db/embedded-database.js';
import { StoreUnavailableError } from '../../src/errors/index.js';
import { FaultyDatabase } from './faulty-database.js';

/**
 * Opens real PGlite instances on one data directory, each behind a {@link FaultyDatabase}, for a
 * `SupervisedDatabase` to use as its `open`. It records every instance and checks that no instance
 * is opened while an earlier one is still open.
 */
export class InstanceHarness {
  readonly clock = new ManualClock();
  readonly instances: FaultyDatabase<EmbeddedDatabase>[] = [];
  /** Opens that started while an earlier instance was not closed yet (must stay 0). */
  overlaps = 0;
  /** How many of the next opens fail. */
  failOpens = 0;
  readonly #pgDataDir: string;

  constructor(pgDataDir: string) {
    this.#pgDataDir = pgDataDir;
  }

  /** The instance opened last. */
  get current(): FaultyDatabase<EmbeddedDatabase> {
    const last = this.instances.at(-1);
    if (last === undefined) throw new Error('no instance was opened yet');
    return last;
  }

  /** Open the next instance (pass as `() => harness.open()`). */
  async open(): Promise<FaultyDatabase<EmbeddedDatabase>> {
    if (this.instances.some((i) => !i.inner.stopped)) this.overlaps += 1;
    if (this.failOpens > 0) {
      this.failOpens -= 1;
      throw new StoreUnavailableError('scripted: the data directory cannot be opened');
    }
    const db = new FaultyDatabase(await openEmbeddedDatabase({ pgDataDir: this.#pgDataDir }));
    this.instances.push(db);
    return db;
  }

  /** Close every instance ever opened (idempotent per instance). */
  async closeAll(): Promise<void> {
    await Promise.all(this.instances.map((i) => i.close()));
  }
}
