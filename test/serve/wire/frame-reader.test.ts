import { describe, expect, it } from 'vitest';
import { FrameReader, ProtocolViolation } from '../../../src/serve/wire/frame-reader.js';
import { frontend } from '../../support/raw-wire.js';

const int32s = (...values: number[]): Buffer => {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeInt32BE(v, i * 4));
  return b;
};

describe('FrameReader', () => {
  it('cuts the startup packets, then typed messages, however the bytes are split', () => {
    const reader = new FrameReader(1024);
    const stream = Buffer.concat([
      int32s(8, 80_877_103),
      frontend.startup({ user: 'u', application_name: 'app' }),
      frontend.query('SELECT 1'),
      frontend.sync(),
    ]);
    const frames = [...stream].flatMap((byte) => reader.push(Buffer.from([byte])));
    expect(frames.map((f) => (f.kind === 'message' ? f.type : f.kind))).toEqual([
      'ssl',
      'startup',
      'Q',
      'S',
    ]);
    expect(frames[1]).toEqual({
      kind: 'startup',
      minor: 0,
      params: { user: 'u', application_name: 'app' },
    });
    expect(reader.buffered).toBe(0);
  });

  it('reads a cancel request', () => {
    expect(new FrameReader(1024).push(int32s(16, 80_877_102, 10_001, 12_345))).toEqual([
      { kind: 'cancel', pid: 10_001, secret: 12_345 },
    ]);
  });

  it('refuses a message longer than its limit as soon as its length is read (54000)', () => {
    const reader = new FrameReader(1024);
    reader.push(frontend.startup({ user: 'u' }));
    const huge = Buffer.from([0x64, 0x7f, 0xff, 0xff, 0xff]);
    expect(() => reader.push(huge)).toThrow(ProtocolViolation);
    expect(() => new FrameReader(1024).push(int32s(4, 1))).toThrow(
      /invalid length of startup packet/,
    );
    expect(() => new FrameReader(1024).push(int32s(8, 0x20000))).toThrow(
      /unsupported frontend protocol 2\.0/,
    );
  });
});
