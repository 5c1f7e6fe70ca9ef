import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { openWireEndpoint } from '../../src/serve/wire-endpoint.js';
import { openStore } from '../../src/store/open-store.js';
import { storeOwnerOf } from '../../src/control/store-owner.js';
import { copyTemplateDataDir } from '../support/data-dir.js';
import { RawWireClient, dataRows, errorCode, frontend } from '../support/raw-wire.js';

describe("a wire client's statement that wedges the session", () => {
  it('is abandoned with the instance once it holds the session past the hang limit while others wait; others are served', async () => {
    const store = await openStore({
      dataDir: copyTemplateDataDir(),
      migrations: 'require',
      thread: true,
    });
    const database = storeOwnerOf(store).deps.instance;
    if (database === undefined) throw new Error('an embedded store was expected');
    const endpoint = await openWireEndpoint(
      { hangTimeoutMs: 300 },
      { database, clock: systemClock },
    );
    try {
      const wedged = await RawWireClient.open(endpoint.address.port);
      const waiting = await RawWireClient.open(endpoint.address.port);
      wedged.send(frontend.query('SELECT pg_sleep(600)'));
      await expect.poll(() => endpoint.session()?.state).toBe('active');
      waiting.send(frontend.query('SELECT 1'));
      // Its client is told why and disconnected; the one waiting runs on the new instance.
      const told = await wedged.until('never');
      expect(errorCode(told)).toBe('57P01');
      expect(told.find((m) => m.type === 'E')?.body.toString('utf8')).toMatch(
        /replaced while this call ran on it \(it stopped answering\); reconnect/,
      );
      expect(wedged.closed).toBe(true);
      expect(dataRows(await waiting.until('Z'))).toEqual(['1']);
      expect(database.stats()).toMatchObject({ generation: 2, hangs: 1 });
      await store.set('hang:after', 1);
      expect((await store.get('hang:after'))?.value).toBe(1);
      waiting.close();
    } finally {
      await endpoint.close();
      await store.close();
    }
  }, 60_000);
});
