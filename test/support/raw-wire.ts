import { connect, type Socket } from 'node:net';

/** One backend message: its type character and body. */
export interface BackendMessage {
  readonly type: string;
  readonly body: Buffer;
}

const typed = (type: string, body: Buffer): Buffer => {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
};
const cstr = (text: string): Buffer => Buffer.from(`${text}\0`, 'utf8');
const int16 = (n: number): Buffer => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

/** Frontend messages, written by hand so a test can send them one at a time. */
export const frontend = {
  startup: (params: Record<string, string>): Buffer => {
    const body = Buffer.concat([
      int32(196_608),
      ...Object.entries(params).flatMap(([k, v]) => [cstr(k), cstr(v)]),
      Buffer.from([0]),
    ]);
    return Buffer.concat([int32(body.length + 4), body]);
  },
  query: (sql: string): Buffer => typed('Q', cstr(sql)),
  parse: (sql: string, name = ''): Buffer =>
    typed('P', Buffer.concat([cstr(name), cstr(sql), int16(0)])),
  bind: (values: string[], statement = ''): Buffer =>
    typed(
      'B',
      Buffer.concat([
        cstr(''),
        cstr(statement),
        int16(0),
        int16(values.length),
        ...values.flatMap((v) => [int32(Buffer.byteLength(v)), Buffer.from(v)]),
        int16(0),
      ]),
    ),
  describe: (name: string, target: 'S' | 'P' = 'S'): Buffer =>
    typed('D', Buffer.concat([Buffer.from(target), cstr(name)])),
  close: (name: string, target: 'S' | 'P' = 'S'): Buffer =>
    typed('C', Buffer.concat([Buffer.from(target), cstr(name)])),
  execute: (): Buffer => typed('E', Buffer.concat([cstr(''), int32(0)])),
  sync: (): Buffer => typed('S', Buffer.alloc(0)),
  flush: (): Buffer => typed('H', Buffer.alloc(0)),
  copyData: (text: string): Buffer => typed('d', Buffer.from(text)),
  copyDone: (): Buffer => typed('c', Buffer.alloc(0)),
  copyFail: (text: string): Buffer => typed('f', cstr(text)),
  password: (text: string): Buffer => typed('p', cstr(text)),
  terminate: (): Buffer => typed('X', Buffer.alloc(0)),
};

/** Send a CancelRequest for (`pid`, `secret`) on a connection of its own; resolves once it is closed. */
export async function sendCancelRequest(port: number, pid: number, secret: number): Promise<void> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(Buffer.concat([int32(16), int32(80_877_102), int32(pid), int32(secret)]));
  await closed;
}

/**
 * A Postgres connection driven message by message (no driver), to send what a driver never
 * splits: a Parse now, its Bind and Execute later.
 */
export class RawWireClient {
  readonly #socket: Socket;
  #buffer = Buffer.alloc(0);
  #messages: BackendMessage[] = [];
  #waiters: (() => void)[] = [];
  closed = false;
  /** What BackendKeyData said: the process id and secret to cancel with. */
  pid = 0;
  secret = 0;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      while (this.#buffer.length >= 5) {
        const length = this.#buffer.readInt32BE(1);
        if (this.#buffer.length < length + 1) break;
        this.#messages.push({
          type: String.fromCharCode(this.#buffer[0] ?? 0),
          body: this.#buffer.subarray(5, length + 1),
        });
        this.#buffer = this.#buffer.subarray(length + 1);
      }
      for (const wake of this.#waiters.splice(0)) wake();
    });
    socket.on('close', () => {
      this.closed = true;
      for (const wake of this.#waiters.splice(0)) wake();
    });
    socket.on('error', () => undefined);
  }

  /** Connect and finish the startup (ReadyForQuery). */
  static async open(port: number, params: Record<string, string> = {}): Promise<RawWireClient> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise((resolve) => socket.once('connect', resolve));
    const client = new RawWireClient(socket);
    client.send(frontend.startup({ user: 'raw', database: 'postgres', ...params }));
    const key = (await client.until('Z')).find((m) => m.type === 'K');
    client.pid = key?.body.readInt32BE(0) ?? 0;
    client.secret = key?.body.readInt32BE(4) ?? 0;
    return client;
  }

  send(...messages: Buffer[]): void {
    this.#socket.write(Buffer.concat(messages));
  }

  /** Wait for a message of `type` (or the connection to close); returns and forgets what came. */
  async until(type: string): Promise<BackendMessage[]> {
    for (;;) {
      const at = this.#messages.findIndex((m) => m.type === type);
      if (at >= 0) return this.#messages.splice(0, at + 1);
      if (this.closed) return this.#messages.splice(0);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  close(): void {
    this.#socket.end();
  }

  /** Drop the connection without a word (no Terminate), possibly in the middle of a message. */
  destroy(): void {
    this.#socket.destroy();
  }

  /** Send a query and return its messages up to ReadyForQuery. */
  async query(sql: string): Promise<BackendMessage[]> {
    this.send(frontend.query(sql));
    return this.until('Z');
  }
}

/** The transaction status of the last ReadyForQuery in `messages`. */
export function readyStatus(messages: readonly BackendMessage[]): string | undefined {
  return messages.findLast((m) => m.type === 'Z')?.body.toString('latin1');
}

/** The text of the first column of each DataRow in `messages`. */
export function dataRows(messages: readonly BackendMessage[]): string[] {
  return messages
    .filter((m) => m.type === 'D')
    .map((m) => {
      const length = m.body.readInt32BE(2);
      return m.body.subarray(6, 6 + length).toString('utf8');
    });
}

/** The SQLSTATE of the first ErrorResponse in `messages`. */
export function errorCode(messages: readonly BackendMessage[]): string | undefined {
  const error = messages.find((m) => m.type === 'E');
  const fields = error?.body.toString('utf8').split('\0') ?? [];
  return fields.find((f) => f.startsWith('C'))?.slice(1);
}
