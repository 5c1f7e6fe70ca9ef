import type { ErrorFields } from '../pg-messages.js';
import { errorResponse } from '../pg-messages.js';
import type { JobResult, JobSend, TransactionStatus } from './client-session.js';
import {
  copyFailMessage,
  framesOf,
  frontendMessage,
  pick,
  queryMessage,
} from './protocol-codec.js';

const COPY_DONE = frontendMessage('c');
// The message a COPY's dry run fails with: only its CopyInResponse is wanted.
const PROBE_FAIL = copyFailMessage('pgcache: reading the COPY format');
const SAVEPOINT = queryMessage('SAVEPOINT pgcache_copy');
const RELEASE = queryMessage('ROLLBACK TO SAVEPOINT pgcache_copy; RELEASE SAVEPOINT pgcache_copy');

/**
 * A client's COPY … FROM STDIN. PGlite runs a COPY only when its data comes in the same call as
 * the statement (asked for more, it exits), so the client's CopyData is kept, within
 * `limitBytes`, and the statement runs with all of it once the client sends CopyDone. The
 * client's CopyInResponse comes from a dry run that fails the COPY at once (inside a savepoint
 * when the client is in a transaction), so that an error in the statement reaches it before it
 * sends any data, as with PostgreSQL.
 */
export class CopyIn {
  readonly #query: Uint8Array;
  readonly #limitBytes: number;
  #data: Uint8Array[] = [];
  #bytes = 0;

  constructor(query: Uint8Array, limitBytes: number) {
    this.#query = query;
    this.#limitBytes = limitBytes;
  }

  /** Bytes of data kept so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Keep one CopyData message; false (and nothing kept) once past the limit. */
  add(message: Uint8Array): boolean {
    this.#bytes += message.length;
    if (this.#bytes > this.#limitBytes) {
      this.#data = [];
      return false;
    }
    this.#data.push(message);
    return true;
  }

  /** The error a COPY past the limit ends with. */
  get tooLarge(): ErrorFields {
    return {
      sqlState: '54000',
      message: `COPY data is larger than pgcache serve accepts in one COPY (${this.#limitBytes} bytes)`,
      hint: "Split the data into several COPY statements, or raise serve's --max-copy (serve.maxCopyBytes).",
    };
  }

  /**
   * The dry run: resolves to the CopyInResponse to send the client (copy mode starts), or to the
   * statement's error answer (it does not).
   */
  async start(send: JobSend, status: TransactionStatus): Promise<JobResult & { started: boolean }> {
    const inTransaction = status === 'T';
    if (inTransaction) await send(SAVEPOINT, false);
    const probe = await send(Buffer.concat([this.#query, PROBE_FAIL]), !inTransaction);
    const frames = framesOf(probe.answer);
    const response = frames.find((f) => f.type === 'G');
    if (response === undefined) return { ...probe, output: probe.answer, started: false };
    if (inTransaction) {
      const released = await send(RELEASE, true);
      return { state: released.state, output: pick(probe.answer, [response]), started: true };
    }
    return { state: probe.state, output: pick(probe.answer, [response]), started: true };
  }

  /** Run the COPY with every CopyData kept (CopyDone from the client). */
  async finish(send: JobSend): Promise<JobResult> {
    const messages = Buffer.concat([this.#query, ...this.#data, COPY_DONE]);
    this.#data = [];
    return withoutCopyResponse(await send(messages, true));
  }

  /**
   * End the COPY with an error: the client's CopyFail, or serve's own `error` (the limit, a
   * cancel, a protocol violation), in place of the server's.
   */
  async fail(
    send: JobSend,
    copyFail: Uint8Array | undefined,
    error?: ErrorFields,
  ): Promise<JobResult> {
    this.#data = [];
    const failMessage = copyFail ?? copyFailMessage(error?.message ?? 'COPY failed');
    const result = withoutCopyResponse(await send(Buffer.concat([this.#query, failMessage]), true));
    if (error === undefined) return result;
    const frames = framesOf(result.output);
    return {
      state: result.state,
      output: Buffer.concat(
        frames.map((f) =>
          f.type === 'E' ? errorResponse(error) : result.output.subarray(f.start, f.end),
        ),
      ),
    };
  }
}

// The answer without its CopyInResponse: the client had it from the dry run.
function withoutCopyResponse(result: { answer: Uint8Array; state: JobResult['state'] }): JobResult {
  const frames = framesOf(result.answer).filter((f) => f.type !== 'G');
  return { state: result.state, output: pick(result.answer, frames) };
}
