/**
 * The Postgres protocol messages the wire endpoint writes itself (the rest comes from PGlite):
 * the startup exchange, errors, and the answers to what it handles for a client on its own.
 */

/** The fields of an ErrorResponse (or NoticeResponse) the endpoint writes. */
export interface ErrorFields {
  readonly sqlState: string;
  readonly message: string;
  readonly hint?: string | undefined;
  readonly detail?: string | undefined;
}

/** A backend message: its type byte and body (the length is computed). */
export function backendMessage(type: string, ...parts: Uint8Array[]): Buffer {
  const length = parts.reduce((n, part) => n + part.length, 4);
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(length, 1);
  return Buffer.concat([header, ...parts]);
}

/** A NUL-terminated UTF-8 string. */
export function cstring(text: string): Buffer {
  return Buffer.from(`${text}\0`, 'utf8');
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

function int16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
}

/** `AuthenticationOk`. */
export function authenticationOk(): Buffer {
  return backendMessage('R', int32(0));
}

/** `AuthenticationCleartextPassword`: ask the client for its password. */
export function cleartextPasswordRequest(): Buffer {
  return backendMessage('R', int32(3));
}

/** `ParameterStatus`. */
export function parameterStatus(name: string, value: string): Buffer {
  return backendMessage('S', cstring(name), cstring(value));
}

/** `BackendKeyData`: what the client sends back in a CancelRequest. */
export function backendKeyData(pid: number, secret: number): Buffer {
  return backendMessage('K', int32(pid), int32(secret));
}

/** `ReadyForQuery` with a transaction status: `I` idle, `T` in a transaction, `E` failed. */
export function readyForQuery(status: 'I' | 'T' | 'E'): Buffer {
  return backendMessage('Z', Buffer.from(status, 'latin1'));
}

/** `CommandComplete` with its tag (`DEALLOCATE ALL`, `SELECT 1`…). */
export function commandComplete(tag: string): Buffer {
  return backendMessage('C', cstring(tag));
}

/** `NegotiateProtocolVersion`: the newest minor version served and the options not understood. */
export function negotiateProtocolVersion(minor: number, unsupported: readonly string[]): Buffer {
  return backendMessage(
    'v',
    int32(0x30000 + minor),
    int32(unsupported.length),
    ...unsupported.map(cstring),
  );
}

/** `RowDescription` of text columns of the given types (OID and length). */
export function rowDescription(
  columns: readonly {
    readonly name: string;
    readonly typeOid: number;
    readonly typeLength: number;
  }[],
): Buffer {
  return backendMessage(
    'T',
    int16(columns.length),
    ...columns.flatMap((c) => [
      cstring(c.name),
      int32(0),
      int16(0),
      int32(c.typeOid),
      int16(c.typeLength),
      int32(-1),
      int16(0),
    ]),
  );
}

/** `DataRow` of text values. */
export function dataRow(values: readonly (string | null)[]): Buffer {
  return backendMessage(
    'D',
    int16(values.length),
    ...values.flatMap((v) => {
      if (v === null) return [int32(-1)];
      const bytes = Buffer.from(v, 'utf8');
      return [int32(bytes.length), bytes];
    }),
  );
}

/** An `ErrorResponse` (severity ERROR or FATAL) or a `NoticeResponse` (WARNING, NOTICE). */
export function errorResponse(
  fields: ErrorFields,
  severity: 'ERROR' | 'FATAL' | 'WARNING' | 'NOTICE' = 'ERROR',
): Buffer {
  const parts = [
    field('S', severity),
    field('V', severity),
    field('C', fields.sqlState),
    field('M', fields.message),
    ...(fields.detail === undefined ? [] : [field('D', fields.detail)]),
    ...(fields.hint === undefined ? [] : [field('H', fields.hint)]),
    Buffer.from([0]),
  ];
  return backendMessage(severity === 'ERROR' || severity === 'FATAL' ? 'E' : 'N', ...parts);
}

/**
 * An `ErrorResponse` with severity FATAL, a SQLSTATE and a message: clients report it and
 * consider the connection over.
 */
export function fatalError(sqlState: string, text: string): Buffer {
  return errorResponse({ sqlState, message: text }, 'FATAL');
}

function field(code: string, value: string): Buffer {
  return Buffer.concat([Buffer.from(code, 'latin1'), cstring(value)]);
}

/** The parameters of a `StartupMessage` (`user`, `database`, `application_name`…). */
export function startupParameters(message: Uint8Array): Record<string, string> {
  const parts = Buffer.from(message.buffer, message.byteOffset, message.byteLength)
    .subarray(8)
    .toString('utf8')
    .split('\0');
  const params: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const name = parts[i];
    if (name === undefined || name === '') break;
    params[name] = parts[i + 1] ?? '';
  }
  return params;
}

/** The password of a `PasswordMessage` ('p'), or undefined when `message` is something else. */
export function passwordOf(message: Uint8Array): string | undefined {
  if (message[0] !== 0x70 || message.length < 6) return undefined;
  const body = Buffer.from(message.buffer, message.byteOffset, message.byteLength).subarray(5);
  const end = body.indexOf(0);
  return body.subarray(0, end < 0 ? body.length : end).toString('utf8');
}
