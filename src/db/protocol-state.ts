/**
 * Where a wire client's session stands after one of its messages: `idle` (nothing open),
 * `transaction` / `failed` (inside a transaction, as ReadyForQuery reports it) or `busy` (an
 * extended-protocol sequence or a COPY is under way: more messages of the same client must follow
 * before anyone else may use the session).
 */
export type ProtocolState = 'idle' | 'transaction' | 'failed' | 'busy';

// The StartupMessage has no type byte: length, then protocol version 3.0.
const PROTOCOL_3 = 196_608;
// Messages after which the backend answers with ReadyForQuery when it is done: simple Query,
// Sync, CopyDone, CopyFail, FunctionCall, and the startup packet.
const ENDS_WITH_READY = new Set(['Q', 'S', 'c', 'f', 'F', 'startup']);

/** The type of a frontend message: its type byte as a character, or `startup`. */
export function messageType(message: Uint8Array): string {
  if (message.length >= 8) {
    const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
    if (view.getInt32(4) === PROTOCOL_3 && view.getInt32(0) === message.length) return 'startup';
  }
  return message.length === 0 ? '' : String.fromCharCode(message[0] ?? 0);
}

/**
 * The type of the last of the frontend messages in `messages` (several may be sent at once: a
 * client's Parse, Bind, Execute and Sync, or a COPY with its data).
 */
export function lastMessageType(messages: Uint8Array): string {
  const first = messageType(messages);
  if (first === 'startup' || first === '') return first;
  const view = new DataView(messages.buffer, messages.byteOffset, messages.byteLength);
  let at = 0;
  let type = first;
  while (at + 5 <= messages.length) {
    type = String.fromCharCode(messages[at] ?? 0);
    const length = view.getInt32(at + 1);
    if (length < 4) break;
    at += 1 + length;
  }
  return type;
}

/**
 * Watches the backend's answer to frontend messages and says, once it is complete, where the
 * session stands. Only the last six bytes are kept: a ReadyForQuery ('Z', length 5, status) is
 * always the last message of an answer that has one.
 */
export class ProtocolStateTracker {
  readonly #type: string;
  #tail = new Uint8Array(0);

  constructor(messages: Uint8Array) {
    this.#type = lastMessageType(messages);
  }

  /** Record a chunk of the answer. */
  push(chunk: Uint8Array): void {
    if (chunk.length >= 6) {
      this.#tail = chunk.slice(chunk.length - 6);
      return;
    }
    const joined = new Uint8Array(this.#tail.length + chunk.length);
    joined.set(this.#tail);
    joined.set(chunk, this.#tail.length);
    this.#tail = joined.slice(Math.max(0, joined.length - 6));
  }

  /** The session state once the whole answer has been pushed. */
  state(): ProtocolState {
    if (!ENDS_WITH_READY.has(this.#type)) return 'busy';
    const t = this.#tail;
    if (t.length < 6 || t[0] !== 0x5a || t[1] !== 0 || t[2] !== 0 || t[3] !== 0 || t[4] !== 5) {
      return 'busy'; // COPY FROM STDIN started, or an answer cut short
    }
    switch (String.fromCharCode(t[5] ?? 0)) {
      case 'I':
        return 'idle';
      case 'T':
        return 'transaction';
      case 'E':
        return 'failed';
      default:
        return 'busy';
    }
  }
}
