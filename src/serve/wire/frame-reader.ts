/** A packet a client sends, cut out of its byte stream. */
export type ClientFrame =
  | { readonly kind: 'ssl' }
  | { readonly kind: 'gss' }
  | { readonly kind: 'cancel'; readonly pid: number; readonly secret: number }
  | {
      readonly kind: 'startup';
      readonly minor: number;
      readonly params: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'message'; readonly type: string; readonly bytes: Uint8Array };

/** A client broke the protocol: the connection ends with a FATAL error of this SQLSTATE. */
export class ProtocolViolation extends Error {
  readonly sqlState: string;

  constructor(sqlState: string, message: string) {
    super(message);
    this.name = 'ProtocolViolation';
    this.sqlState = sqlState;
  }
}

const SSL_REQUEST = 80_877_103;
const GSS_REQUEST = 80_877_104;
const CANCEL_REQUEST = 80_877_102;
const PROTOCOL_3 = 3;
// PostgreSQL's own limit on a startup packet.
const MAX_STARTUP_BYTES = 10_000;

/**
 * Cuts a client's byte stream into packets: the untyped ones of the start (SSLRequest,
 * GSSENCRequest, CancelRequest, StartupMessage), then typed messages. Chunks are kept as they
 * came and joined once per message, so a large message costs one copy, and a message longer than
 * `maxMessageBytes` is refused as soon as its length is read, before its bytes are buffered.
 */
export class FrameReader {
  readonly #maxMessageBytes: number;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #typed = false;

  constructor(maxMessageBytes: number) {
    this.#maxMessageBytes = maxMessageBytes;
  }

  /** Bytes received and not yet cut into a packet. */
  get buffered(): number {
    return this.#buffered;
  }

  /** Add what arrived; returns the packets now complete. Throws {@link ProtocolViolation}. */
  push(chunk: Buffer): ClientFrame[] {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const frames: ClientFrame[] = [];
    for (;;) {
      const frame = this.#typed ? this.#typedMessage() : this.#startupPacket();
      if (frame === undefined) return frames;
      frames.push(frame);
    }
  }

  #startupPacket(): ClientFrame | undefined {
    if (this.#buffered < 8) return undefined;
    const head = this.#peek(8);
    const length = head.readInt32BE(0);
    const code = head.readInt32BE(4);
    if (length < 8 || length > MAX_STARTUP_BYTES) {
      throw new ProtocolViolation('08P01', `invalid length of startup packet (${length})`);
    }
    if (this.#buffered < length) return undefined;
    const packet = this.#take(length);
    if (code === SSL_REQUEST) return { kind: 'ssl' };
    if (code === GSS_REQUEST) return { kind: 'gss' };
    if (code === CANCEL_REQUEST && length === 16) {
      return { kind: 'cancel', pid: packet.readInt32BE(8), secret: packet.readInt32BE(12) };
    }
    const major = code >>> 16;
    if (major !== PROTOCOL_3) {
      throw new ProtocolViolation(
        '0A000',
        `unsupported frontend protocol ${major}.${code & 0xffff}: pgcache serve speaks 3.0`,
      );
    }
    this.#typed = true;
    return { kind: 'startup', minor: code & 0xffff, params: parameters(packet) };
  }

  #typedMessage(): ClientFrame | undefined {
    if (this.#buffered < 5) return undefined;
    const head = this.#peek(5);
    const length = head.readInt32BE(1);
    if (length < 4) throw new ProtocolViolation('08P01', `invalid message length ${length}`);
    if (length + 1 > this.#maxMessageBytes) {
      throw new ProtocolViolation(
        '54000',
        `a message of ${length + 1} bytes is larger than pgcache serve accepts (${this.#maxMessageBytes})`,
      );
    }
    if (this.#buffered < length + 1) return undefined;
    const bytes = this.#take(length + 1);
    return { kind: 'message', type: String.fromCharCode(bytes[0] ?? 0), bytes };
  }

  // The first `n` bytes, without consuming them.
  #peek(n: number): Buffer {
    const first = this.#chunks[0];
    if (first !== undefined && first.length >= n) return first;
    this.#chunks = [Buffer.concat(this.#chunks)];
    return this.#chunks[0] ?? Buffer.alloc(0);
  }

  // The first `n` bytes, consumed, as one buffer of their own.
  #take(n: number): Buffer {
    const first = this.#chunks[0];
    let taken: Buffer;
    if (first !== undefined && first.length >= n) {
      taken = Buffer.from(first.subarray(0, n));
      this.#chunks[0] = first.subarray(n);
    } else {
      const joined = Buffer.concat(this.#chunks);
      taken = joined.subarray(0, n);
      this.#chunks = [joined.subarray(n)];
    }
    if (this.#chunks[0]?.length === 0) this.#chunks.shift();
    this.#buffered -= n;
    return taken;
  }
}

function parameters(packet: Buffer): Record<string, string> {
  const parts = packet.subarray(8).toString('utf8').split('\0');
  const params: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const name = parts[i];
    if (name === undefined || name === '') break;
    params[name] = parts[i + 1] ?? '';
  }
  return params;
}
