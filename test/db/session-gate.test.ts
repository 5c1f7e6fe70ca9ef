import { describe, expect, it } from 'vitest';
import { ProtocolStateTracker, messageType } from '../../src/db/protocol-state.js';
import { SessionGate } from '../../src/db/session-gate.js';

/** A promise with its resolve handle, to hold an operation open. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('SessionGate', () => {
  it('runs store calls together, and a wire message only once they have finished', async () => {
    const gate = new SessionGate();
    const log: string[] = [];
    const first = deferred();
    const a = gate.runStore(async () => {
      log.push('store a');
      await first.promise;
      log.push('store a done');
    });
    const b = gate.runStore(async () => void log.push('store b'));
    const wire = gate.runWire(async () => {
      log.push('wire');
      return { value: 'ok', hold: false };
    });
    // Arrived after the waiting wire message: it waits too, so the wire side is not starved.
    const c = gate.runStore(async () => void log.push('store c'));
    await flush();
    expect(log).toEqual(['store a', 'store b']);
    first.resolve();
    await Promise.all([a, b, wire, c]);
    expect(log).toEqual(['store a', 'store b', 'store a done', 'wire', 'store c']);
  });

  it('keeps store calls out while a wire client holds the session, until a message releases it', async () => {
    const gate = new SessionGate();
    await gate.runWire(async () => ({ value: undefined, hold: true })); // BEGIN
    expect(gate.held).toBe(true);
    let ran = false;
    const store = gate.runStore(async () => void (ran = true));
    await flush();
    expect(ran).toBe(false);
    expect(gate.storeWaiting).toBe(1);
    await gate.runWire(async () => ({ value: undefined, hold: true })); // INSERT, still in it
    await flush();
    expect(ran).toBe(false);
    await gate.runWire(async () => ({ value: undefined, hold: false })); // COMMIT
    await store;
    expect(ran).toBe(true);
  });

  it('releases the session when a wire message fails, and rejects everything once closed', async () => {
    const gate = new SessionGate();
    await gate.runWire(async () => ({ value: undefined, hold: true }));
    await expect(gate.runWire(() => Promise.reject(new Error('crash')))).rejects.toThrow('crash');
    expect(gate.held).toBe(false);
    await gate.runWire(async () => ({ value: undefined, hold: true }));
    const waiting = gate.runStore(async () => 'never');
    gate.close(new Error('closed'));
    await expect(waiting).rejects.toThrow('closed');
    await expect(gate.runStore(async () => 1)).rejects.toThrow('closed');
  });
});

describe('SessionGate with a session reset', () => {
  it('runs the reset once before the first store calls after wire messages, and never otherwise', async () => {
    const log: string[] = [];
    const reset = deferred();
    const gate = new SessionGate(async () => {
      log.push('reset');
      await reset.promise;
    });
    await gate.runStore(async () => void log.push('store before'));
    await gate.runWire(async () => ({ value: log.push('wire'), hold: false }));
    const a = gate.runStore(async () => void log.push('store a'));
    const b = gate.runStore(async () => void log.push('store b'));
    await flush();
    expect(log).toEqual(['store before', 'wire', 'reset']);
    reset.resolve();
    await Promise.all([a, b]);
    await gate.runStore(async () => void log.push('store c'));
    expect(log).toEqual(['store before', 'wire', 'reset', 'store a', 'store b', 'store c']);
  });
});

describe('ProtocolStateTracker', () => {
  const ready = (status: string) => Buffer.from([0x5a, 0, 0, 0, 5, status.charCodeAt(0)]);
  const state = (message: Buffer, ...chunks: Buffer[]) => {
    const tracker = new ProtocolStateTracker(message);
    for (const chunk of chunks) tracker.push(chunk);
    return tracker.state();
  };
  const query = Buffer.from('Q\0\0\0\x0dSELECT 1\0', 'latin1');
  const sync = Buffer.from('S\0\0\0\x04', 'latin1');
  const parse = Buffer.from('P\0\0\0\x08\0x\0\0', 'latin1');

  it('reads where the session stands from the ReadyForQuery that ends an answer, even split across chunks', () => {
    const complete = Buffer.from('C\0\0\0\x0dSELECT 1\0', 'latin1');
    expect(state(query, Buffer.concat([complete, ready('I')]))).toBe('idle');
    expect(state(query, complete, ready('T').subarray(0, 2), ready('T').subarray(2))).toBe(
      'transaction',
    );
    expect(state(sync, ready('E'))).toBe('failed');
    // COPY FROM STDIN started: no ReadyForQuery yet.
    expect(state(query, Buffer.from('G\0\0\0\x07\0\0\0', 'latin1'))).toBe('busy');
  });

  it('treats the messages of an extended-protocol sequence as busy until its Sync', () => {
    expect(messageType(parse)).toBe('P');
    expect(state(parse, Buffer.from('1\0\0\0\x04', 'latin1'), ready('I'))).toBe('busy');
    const startup = Buffer.from([0, 0, 0, 8, 0, 3, 0, 0]);
    expect(messageType(startup)).toBe('startup');
    expect(state(startup, ready('I'))).toBe('idle');
  });
});
