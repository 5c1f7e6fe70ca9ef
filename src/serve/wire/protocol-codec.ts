import { backendMessage, cstring } from '../pg-messages.js';

/**
 * Reading and rewriting the protocol messages the wire endpoint looks into: the frontend
 * messages that name a prepared statement (Parse, Bind, Describe, Close), and the backend
 * answers PGlite gives (split into messages, errors, rows, the final ReadyForQuery).
 */

/** One message inside a buffer of backend messages: its type, and where it starts and ends. */
export interface Frame {
  readonly type: string;
  readonly start: number;
  readonly end: number;
}

/** The messages of a buffer (a trailing partial message is left out). */
export function framesOf(bytes: Uint8Array): Frame[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: Frame[] = [];
  let at = 0;
  while (at + 5 <= bytes.length) {
    const length = view.getInt32(at + 1);
    const end = at + 1 + length;
    if (length < 4 || end > bytes.length) break;
    frames.push({ type: String.fromCharCode(bytes[at] ?? 0), start: at, end });
    at = end;
  }
  return frames;
}

/** The transaction status of the ReadyForQuery that ends `answer`, if it ends with one. */
export function readyStatusOf(answer: Uint8Array): 'I' | 'T' | 'E' | undefined {
  const n = answer.length;
  if (n < 6 || answer[n - 6] !== 0x5a || answer[n - 2] !== 5) return undefined;
  const status = String.fromCharCode(answer[n - 1] ?? 0);
  return status === 'I' || status === 'T' || status === 'E' ? status : undefined;
}

/** The fields of an ErrorResponse or NoticeResponse, by their one-letter codes (`C`, `M`…). */
export function errorFieldsOf(bytes: Uint8Array, frame: Frame): Record<string, string> {
  const fields: Record<string, string> = {};
  const body = Buffer.from(
    bytes.buffer,
    bytes.byteOffset + frame.start + 5,
    frame.end - frame.start - 5,
  );
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const end = body.indexOf(0, at + 1);
    if (end < 0) break;
    fields[String.fromCharCode(body[at] ?? 0)] = body.subarray(at + 1, end).toString('utf8');
    at = end + 1;
  }
  return fields;
}

/** The values of a DataRow, as text (null for SQL NULL). */
export function dataRowOf(bytes: Uint8Array, frame: Frame): (string | null)[] {
  const body = Buffer.from(
    bytes.buffer,
    bytes.byteOffset + frame.start + 5,
    frame.end - frame.start - 5,
  );
  const values: (string | null)[] = [];
  let at = 2;
  for (let i = 0; i < body.readInt16BE(0); i += 1) {
    const length = body.readInt32BE(at);
    at += 4;
    values.push(length < 0 ? null : body.subarray(at, at + length).toString('utf8'));
    at += Math.max(0, length);
  }
  return values;
}

/** The bytes of some frames of `bytes`, in order. */
export function pick(bytes: Uint8Array, frames: readonly Frame[]): Buffer {
  return Buffer.concat(frames.map((f) => bytes.subarray(f.start, f.end)));
}

/** A frontend message with the given type and fields (the same layout as a backend one). */
export const frontendMessage = backendMessage;

/** `Query`. */
export function queryMessage(sql: string): Buffer {
  return frontendMessage('Q', cstring(sql));
}

/** `Sync`. */
export const SYNC = frontendMessage('S');

/** `CopyFail` with a message (it fails the COPY in progress with SQLSTATE 57014). */
export function copyFailMessage(text: string): Buffer {
  return frontendMessage('f', cstring(text));
}

/** `Close` of a prepared statement. */
export function closeStatementMessage(name: string): Buffer {
  return frontendMessage('C', Buffer.from('S', 'latin1'), cstring(name));
}

/**
 * The leading strings of a frontend message: Parse (name, query), Bind (portal, statement),
 * Describe and Close (after their `S`/`P` byte: the name), Execute (portal).
 */
export interface NamedMessage {
  readonly type: string;
  /** `S` (statement) or `P` (portal) for Describe and Close. */
  readonly target: string | undefined;
  readonly strings: readonly string[];
  /** Where the bytes after the strings start. */
  readonly restAt: number;
}

const STRINGS: Readonly<Record<string, number>> = { P: 2, B: 2, D: 1, C: 1, E: 1 };

/** The leading strings of `message` (see {@link NamedMessage}). */
export function namedMessageOf(message: Uint8Array): NamedMessage {
  const type = String.fromCharCode(message[0] ?? 0);
  const body = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  const target = type === 'D' || type === 'C' ? String.fromCharCode(message[5] ?? 0) : undefined;
  let at = target === undefined ? 5 : 6;
  const strings: string[] = [];
  for (let i = 0; i < (STRINGS[type] ?? 0); i += 1) {
    const end = body.indexOf(0, at);
    if (end < 0) break;
    strings.push(body.subarray(at, end).toString('utf8'));
    at = end + 1;
  }
  return { type, target, strings, restAt: at };
}

/** `message` with its leading strings replaced (the rest of its bytes kept). */
export function withStrings(
  message: Uint8Array,
  named: NamedMessage,
  strings: readonly string[],
): Buffer {
  const head = named.target === undefined ? [] : [Buffer.from(named.target, 'latin1')];
  return frontendMessage(
    named.type,
    ...head,
    ...strings.map(cstring),
    message.subarray(named.restAt),
  );
}
