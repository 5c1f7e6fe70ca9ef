/**
 * The few Postgres protocol messages the wire endpoint writes itself (the rest comes from
 * PGlite): the password request and check, and fatal errors before closing a connection.
 */

/** `AuthenticationCleartextPassword`: ask the client for its password. */
export function cleartextPasswordRequest(): Buffer {
  const message = Buffer.alloc(9);
  message.write('R', 0, 'latin1');
  message.writeInt32BE(8, 1);
  message.writeInt32BE(3, 5);
  return message;
}

/**
 * An `ErrorResponse` with severity FATAL, a SQLSTATE and a message: clients report it and
 * consider the connection over.
 */
export function fatalError(sqlState: string, text: string): Buffer {
  const fields = Buffer.concat([
    field('S', 'FATAL'),
    field('V', 'FATAL'),
    field('C', sqlState),
    field('M', text),
    Buffer.from([0]),
  ]);
  const header = Buffer.alloc(5);
  header.write('E', 0, 'latin1');
  header.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([header, fields]);
}

function field(code: string, value: string): Buffer {
  return Buffer.concat([Buffer.from(code, 'latin1'), Buffer.from(value, 'utf8'), Buffer.from([0])]);
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
