import { protocol, type PGlite } from '@electric-sql/pglite';
import { InstanceCrashedError } from '../errors/index.js';

/** A backend message as PGlite's own parser returns it. */
export type BackendMessage = Parameters<
  Parameters<InstanceType<typeof protocol.Parser>['parse']>[1]
>[0];

const READY_FOR_QUERY = 0x5a; // 'Z'
const ERROR_RESPONSE = 0x45; // 'E'
const DATA_ROW = 0x44; // 'D'
const COMMAND_COMPLETE = 0x43; // 'C'
const EMPTY = new Uint8Array(0);
const channels = new WeakMap<PGlite, PgliteChannel>();

/**
 * The synchronous protocol channel into one PGlite instance: a message goes in, the whole answer
 * comes back before the call returns, with no promise, no mutex and no parsing on the way.
 *
 * PGlite's public calls (`execProtocol`, `query`) wrap the same synchronous core in two async
 * mutexes and a filesystem sync (a no-op on Node) and parse every message of every answer into
 * objects, which costs more than a primary-key read itself. Here the answer's bytes are copied
 * out of WASM memory once, into a buffer this channel reuses, and callers decode only the fields
 * they need. Whoever owns the channel keeps calls apart (see `EmbeddedDatabase`): PGlite runs
 * one at a time anyway, since each call blocks the event loop until it returns.
 *
 * The answer is collected by a write callback installed with `execProtocolRawStream`, which
 * PGlite keeps after the call; any PGlite API call resets it, in which case PGlite's own copy of
 * the answer is used and the callback is installed again.
 */
export class PgliteChannel {
  /** The one channel of `pg` (a second one would take the first one's answers). */
  static of(pg: PGlite): PgliteChannel {
    let channel = channels.get(pg);
    if (channel === undefined) {
      channel = new PgliteChannel(pg);
      channels.set(pg, channel);
    }
    return channel;
  }

  readonly #pg: PGlite;
  #buffer = Buffer.alloc(64 * 1024);
  #length = 0;
  #view = viewOf(this.#buffer);
  #installed = false;
  readonly #collect = (chunk: Uint8Array): void => {
    const end = this.#length + chunk.length;
    if (end > this.#buffer.length) this.#grow(end);
    this.#buffer.set(chunk, this.#length);
    this.#length = end;
  };

  private constructor(pg: PGlite) {
    this.#pg = pg;
  }

  /**
   * Send `message` (any number of protocol messages ending in Sync or a simple Query) and return
   * the answer, valid until the next call. An answer that holds an ErrorResponse throws it (as
   * PGlite's `execProtocol` would); one without ReadyForQuery comes from a broken instance.
   */
  roundTrip(message: Uint8Array): Answer {
    this.#send(message);
    // Every answer ends with ReadyForQuery. One that does not comes from an instance that deep
    // recursion (or worse) broke: it answers nothing at all, and silence must not pass for "no
    // rows". Report it as the crash it is, so that the supervisor replaces the instance.
    const end = this.#length;
    if (
      end < 6 ||
      this.#buffer[end - 6] !== READY_FOR_QUERY ||
      this.#view.getInt32(end - 5) !== 5
    ) {
      throw new InstanceCrashedError(
        'PGlite answered without ReadyForQuery: the instance is broken',
        {
          hint: 'The instance is reopened automatically; retry the command.',
        },
      );
    }
    const answer = new Answer(this.#buffer.subarray(0, end));
    const error = answer.error();
    if (error !== undefined) throw error;
    return answer;
  }

  /** Send `message` and return a copy of the raw answer, errors included (for wire clients). */
  relay(message: Uint8Array): Uint8Array {
    this.#send(message);
    return new Uint8Array(this.#buffer.subarray(0, this.#length));
  }

  #send(message: Uint8Array): void {
    if (!this.#installed) this.#install();
    this.#length = 0;
    const own = this.#pg.execProtocolRawSync(message);
    if (own.length > 0) {
      // A PGlite API call reset the write callback: PGlite collected this answer itself.
      this.#length = 0;
      this.#collect(own);
      this.#installed = false;
    }
  }

  #install(): void {
    // With an empty message PGlite runs nothing; it only keeps the callback for later calls.
    void this.#pg
      .execProtocolRawStream(EMPTY, { syncToFs: false, onRawData: this.#collect })
      .catch(() => undefined);
    this.#installed = true;
  }

  #grow(needed: number): void {
    let size = this.#buffer.length * 2;
    while (size < needed) size *= 2;
    const bigger = Buffer.alloc(size);
    bigger.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = bigger;
    this.#view = viewOf(bigger);
  }
}

function viewOf(buffer: Buffer): DataView {
  return new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** The backend messages of one answer, read in place. */
export class Answer {
  readonly #bytes: Buffer;
  readonly #view: DataView;
  readonly #length: number;

  constructor(bytes: Uint8Array) {
    this.#bytes = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#length = bytes.byteLength;
  }

  /** A copy of the answer's bytes, to hand to another thread. */
  copy(): Uint8Array {
    return new Uint8Array(this.#bytes.subarray(0, this.#length));
  }

  /** True when the answer holds a message of `type` (its type byte). */
  has(type: number): boolean {
    for (let at = 0; at < this.#length; at += 1 + this.#view.getInt32(at + 1)) {
      if (this.#bytes[at] === type) return true;
    }
    return false;
  }

  /** The first ErrorResponse, parsed the way PGlite reports it (a DatabaseError with `code`). */
  error(): Error | undefined {
    if (!this.has(ERROR_RESPONSE)) return undefined;
    let found: Error | undefined;
    new protocol.Parser().parse(this.#bytes.subarray(0, this.#length), (message) => {
      if (found === undefined && message instanceof Error) found = message;
    });
    return found;
  }

  /** Every message, parsed by PGlite's parser (for typed rows and descriptions). */
  messages(): BackendMessage[] {
    const out: BackendMessage[] = [];
    new protocol.Parser().parse(this.#bytes.subarray(0, this.#length), (message) => {
      out.push(message);
    });
    return out;
  }

  /**
   * Push `decode(fields)` onto `rows` for each DataRow, its fields as text (`null` for NULL) and
   * nothing else decoded; `fields` is reused from row to row. Returns the rows affected by the
   * last command.
   */
  decodeRows<R>(
    fields: (string | null)[],
    decode: (fields: readonly (string | null)[]) => R,
    rows: R[],
  ): number {
    const bytes = this.#bytes;
    const view = this.#view;
    let affected = 0;
    for (let at = 0; at < this.#length; at += 1 + view.getInt32(at + 1)) {
      const type = bytes[at];
      if (type === DATA_ROW) {
        const count = view.getInt16(at + 5);
        let offset = at + 7;
        fields.length = count;
        for (let i = 0; i < count; i += 1) {
          const size = view.getInt32(offset);
          offset += 4;
          if (size < 0) fields[i] = null;
          else {
            fields[i] = bytes.toString('utf8', offset, offset + size);
            offset += size;
          }
        }
        rows.push(decode(fields));
      } else if (type === COMMAND_COMPLETE) {
        affected = affectedRows(bytes.toString('utf8', at + 5, at + view.getInt32(at + 1)));
      }
    }
    return affected;
  }
}

/** Rows counted by a command tag: `INSERT 0 5`, `UPDATE 3`, `DELETE 2` (0 for the others). */
function affectedRows(tag: string): number {
  const space = tag.lastIndexOf(' ');
  const command = tag.slice(0, tag.indexOf(' '));
  if (command !== 'INSERT' && command !== 'UPDATE' && command !== 'DELETE' && command !== 'MERGE')
    return 0;
  const n = Number(tag.slice(space + 1));
  return Number.isInteger(n) ? n : 0;
}
