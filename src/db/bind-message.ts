/**
 * Builds Bind + Execute + Sync for a named prepared statement with text parameters, in a buffer
 * reused from call to call: one message per call with no intermediate objects (pg-protocol's
 * serializer allocates a writer and a buffer per message). The result is valid until the next
 * `bind()`; the channel hands it to PGlite synchronously, so nothing holds on to it.
 */
export class BindMessage {
  #buffer = Buffer.alloc(16 * 1024);
  #view = viewOf(this.#buffer);

  /** Bind `values` (text, or `null` for NULL) to `statement`, execute all rows, sync. */
  bind(statement: string, values: readonly (string | null)[]): Uint8Array {
    let size = 1 + 4 + 1 + Buffer.byteLength(statement) + 1 + 2 + 2 + 2 + EXECUTE_SYNC.length;
    for (const value of values) size += 4 + (value === null ? 0 : Buffer.byteLength(value));
    if (size > this.#buffer.length) this.#grow(size);
    const buffer = this.#buffer;
    const view = this.#view;
    buffer[0] = 0x42; // 'B'
    let at = 5;
    buffer[at++] = 0; // the unnamed portal
    at += buffer.write(statement, at);
    buffer[at++] = 0;
    view.setInt16(at, 0); // every parameter in text format
    view.setInt16(at + 2, values.length);
    at += 4;
    for (const value of values) {
      if (value === null) {
        view.setInt32(at, -1);
        at += 4;
      } else {
        const written = buffer.write(value, at + 4);
        view.setInt32(at, written);
        at += 4 + written;
      }
    }
    view.setInt16(at, 0); // every result column in text format
    at += 2;
    view.setInt32(1, at - 1);
    buffer.set(EXECUTE_SYNC, at);
    return buffer.subarray(0, at + EXECUTE_SYNC.length);
  }

  #grow(needed: number): void {
    let size = this.#buffer.length * 2;
    while (size < needed) size *= 2;
    this.#buffer = Buffer.alloc(size);
    this.#view = viewOf(this.#buffer);
  }
}

// Execute (unnamed portal, every row) then Sync.
const EXECUTE_SYNC = Uint8Array.from([0x45, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0x53, 0, 0, 0, 4]);

function viewOf(buffer: Buffer): DataView {
  return new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
