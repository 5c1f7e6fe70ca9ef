/**
 * A fast lane between the main thread and the database thread for the store's statements: one
 * request and its answer at a time in a SharedArrayBuffer, each side woken with
 * `Atomics.notify`. Each side waits for the other by blocking for a bounded time (a short spin,
 * then `Atomics.wait`), then without blocking its event loop (`Atomics.waitAsync`). A round trip
 * costs a few microseconds, where a `postMessage` request and its answer cost tens (structured
 * cloning, two message-port wake-ups through the event loops): more than the statement itself.
 *
 * Requests carry the id of the thread protocol's requests and are run in id order with them (see
 * src/db/pglite-host.ts). A request or an answer too large for the buffer goes by `postMessage`.
 */

/** Bytes of the shared buffer: requests and answers up to about 4 MiB go through the lane. */
export const LANE_BYTES = 4 * 1024 * 1024;

const HEADER = 32; // bytes before the payload
const STATE = 0; // Int32 slots of the header
const ID = 1;
const LENGTH = 2;
const KIND = 3;

/** Who may touch the buffer now (`gone`: the thread ended; nothing will answer). */
export const LaneState = { idle: 0, request: 1, answer: 2, gone: 3 } as const;

/** What the answer in the buffer is (`later`: the answer comes by message). */
export const AnswerKind = { bytes: 0, error: 1, later: 2 } as const;

/** A statement sent through the lane: its answer's bytes come back. */
export interface LaneRequest {
  readonly id: number;
  readonly sql: string;
  readonly params: readonly (string | null)[];
  /** The open transaction it belongs to (none: −1). */
  readonly tx: number;
}

/** One end's view of the shared buffer. */
export class LaneBuffer {
  readonly state: Int32Array;
  readonly bytes: Buffer;

  constructor(shared: SharedArrayBuffer) {
    this.state = new Int32Array(shared, 0, HEADER / 4);
    this.bytes = Buffer.from(shared, HEADER, shared.byteLength - HEADER);
  }

  /** Who may touch the buffer now (a {@link LaneState}). */
  get current(): number {
    return Atomics.load(this.state, STATE);
  }

  /** A new shared buffer for a lane. */
  static allocate(): SharedArrayBuffer {
    return new SharedArrayBuffer(LANE_BYTES);
  }

  /** Write `request` and hand the buffer to the other side; false when it does not fit. */
  sendRequest(request: LaneRequest): boolean {
    const { bytes } = this;
    let size = 4 + 4 + Buffer.byteLength(request.sql) + 2;
    for (const p of request.params) size += 4 + (p === null ? 0 : Buffer.byteLength(p));
    if (size > bytes.length) return false;
    let at = 0;
    at = bytes.writeInt32LE(request.tx, at);
    at = writeText(bytes, request.sql, at);
    at = bytes.writeUInt16LE(request.params.length, at);
    for (const p of request.params) {
      if (p === null) at = bytes.writeInt32LE(-1, at);
      else at = writeText(bytes, p, at);
    }
    Atomics.store(this.state, ID, request.id);
    Atomics.store(this.state, LENGTH, at);
    this.#hand(LaneState.request);
    return true;
  }

  /** The request in the buffer (the database thread's side). */
  readRequest(): LaneRequest {
    const { bytes } = this;
    let at = 0;
    const tx = bytes.readInt32LE(at);
    at += 4;
    const [sql, afterSql] = readText(bytes, at);
    at = afterSql;
    const count = bytes.readUInt16LE(at);
    at += 2;
    const params: (string | null)[] = [];
    for (let i = 0; i < count; i += 1) {
      if (bytes.readInt32LE(at) < 0) {
        params.push(null);
        at += 4;
      } else {
        const [text, next] = readText(bytes, at);
        params.push(text);
        at = next;
      }
    }
    return { id: Atomics.load(this.state, ID), sql, params, tx };
  }

  /**
   * Write an answer and hand the buffer back: the answer's bytes, an error as JSON text, or
   * nothing (`later`). It must fit in {@link bytes}.
   */
  sendAnswer(kind: (typeof AnswerKind)[keyof typeof AnswerKind], answer: Uint8Array): void {
    this.bytes.set(answer, 0);
    Atomics.store(this.state, KIND, kind);
    Atomics.store(this.state, LENGTH, answer.length);
    this.#hand(LaneState.answer);
  }

  /** The answer in the buffer (a view: read it before {@link release}). */
  answer(): { readonly kind: number; readonly bytes: Uint8Array } {
    const length = Atomics.load(this.state, LENGTH);
    return { kind: Atomics.load(this.state, KIND), bytes: this.bytes.subarray(0, length) };
  }

  /** Give the buffer back to the main thread's next request. */
  release(): void {
    Atomics.store(this.state, STATE, LaneState.idle);
  }

  /** The other side is gone: wake whoever waits, for good. */
  abandon(): void {
    this.#hand(LaneState.gone);
  }

  /**
   * Wait while the state is `from`, blocking this thread: spin for up to `spinMs` (an answer, or
   * a busy caller's next request, often comes within microseconds), then sleep for up to
   * `blockMs` (the other side wakes it; a sleeping thread leaves the core to the other one, which
   * matters when the cores are busy). Returns the state then, which is still `from` after the
   * time is up or after a {@link nudge}.
   */
  wait(from: number, spinMs: number, blockMs: number): number {
    let now = Atomics.load(this.state, STATE);
    if (now !== from) return now;
    const until = performance.now() + spinMs;
    while (now === from && performance.now() < until) now = Atomics.load(this.state, STATE);
    if (now !== from) return now;
    Atomics.wait(this.state, STATE, from, blockMs);
    return Atomics.load(this.state, STATE);
  }

  /** Wake the other side's {@link wait} without changing the state (a message is on its way). */
  nudge(): void {
    Atomics.notify(this.state, STATE);
  }

  /** Wait (without blocking the event loop) until the state is no longer `from`. */
  async until(from: number): Promise<number> {
    for (;;) {
      const now = Atomics.load(this.state, STATE);
      if (now !== from) return now;
      const waited = Atomics.waitAsync(this.state, STATE, from);
      if (waited.async) await waited.value;
    }
  }

  #hand(state: number): void {
    Atomics.store(this.state, STATE, state);
    Atomics.notify(this.state, STATE);
  }
}

function writeText(bytes: Buffer, text: string, at: number): number {
  const length = bytes.write(text, at + 4);
  bytes.writeInt32LE(length, at);
  return at + 4 + length;
}

function readText(bytes: Buffer, at: number): [string, number] {
  const length = bytes.readInt32LE(at);
  return [bytes.toString('utf8', at + 4, at + 4 + length), at + 4 + length];
}
