import { Worker } from 'node:worker_threads';
import { InstanceCrashedError } from '../errors/index.js';
import type { QueryResult, RowDecoder } from './database.js';
import { Answer } from './pglite-channel.js';
import { AnswerKind, LaneBuffer, LaneState } from './thread-lane.js';
import { builtPlatformScript } from '../platform/package-files.js';
import {
  errorFromThread,
  type ThreadError,
  type ThreadAnswer,
  type ThreadOpenOptions,
  type ThreadRequest,
} from './thread-protocol.js';

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

/** A decoded statement waiting for the lane, and where its rows go. */
interface LaneCall {
  readonly id: number;
  readonly sql: string;
  readonly params: readonly (string | null)[];
  readonly tx: number;
  readonly decode: RowDecoder<unknown>;
  readonly resolve: (result: QueryResult<unknown>) => void;
  readonly reject: (error: Error) => void;
}

/** The rows `decode` builds from a statement's raw answer. */
export function decodeAnswer<R>(bytes: Uint8Array, decode: RowDecoder<R>): QueryResult<R> {
  const rows: R[] = [];
  const affectedRows = new Answer(bytes).decodeRows([], decode, rows);
  return { rows, affectedRows };
}

// How long the main thread waits for a lane answer, blocked (spinning, then asleep), before it
// waits without blocking its event loop: most answers come within tens of microseconds.
const ANSWER_SPIN_MS = 0.02;
const ANSWER_BLOCK_MS = 1;

// A statement's parameters as text, as the lane carries them; undefined when one is of a kind
// only PGlite's own serialisers know (it goes by postMessage then).
function textParams(params: readonly unknown[]): (string | null)[] | undefined {
  const out: (string | null)[] = [];
  for (const p of params) {
    if (p === null || p === undefined) out.push(null);
    else if (typeof p === 'string') out.push(p);
    else if (typeof p === 'number' && Number.isFinite(p)) out.push(String(p));
    else if (p instanceof Date) out.push(p.toISOString());
    else return undefined;
  }
  return out;
}

// What the thread last wrote on stderr, kept to explain a crash.
const STDERR_KEPT = 2048;

/**
 * The worker thread one PGlite instance runs in, seen from the main thread: `call()` sends a
 * request and resolves with its answer. The thread keeps the process alive only while a call is
 * pending (an idle open database does not, as PGlite in place did not). If the thread dies, every
 * pending and later call fails with `InstanceCrashedError`, so that the supervisor replaces it.
 */
export class DatabaseThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  readonly #lane: LaneBuffer;
  readonly #laneQueue: LaneCall[] = [];
  #laneBusy = false;
  #nextId = 1;
  #stderr = '';
  #failure: InstanceCrashedError | undefined;

  private constructor(worker: Worker, lane: SharedArrayBuffer) {
    this.#worker = worker;
    this.#lane = new LaneBuffer(lane);
    worker.unref();
    worker.stdout.resume();
    worker.stderr.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(-STDERR_KEPT);
    });
    worker.on('message', (answer: ThreadAnswer) => this.#settle(answer));
    worker.on('error', (error) => this.#fail(`failed: ${error.message}`));
    worker.on('exit', (code) => this.#fail(`exited (code ${code})`));
  }

  /** Start a thread and open PGlite in it; the caller terminates it. */
  static async start(options: ThreadOpenOptions): Promise<DatabaseThread> {
    const script = builtPlatformScript('pglite-thread.js', 'the database thread script');
    const lane = LaneBuffer.allocate();
    const worker = new Worker(script, { stdout: true, stderr: true, workerData: { lane } });
    const thread = new DatabaseThread(worker, lane);
    try {
      await thread.call({ op: 'open', options });
    } catch (error) {
      thread.terminate();
      throw error;
    }
    return thread;
  }

  /** True once the thread has ended (terminated, or died). */
  get exited(): boolean {
    return this.#failure !== undefined;
  }

  /** Send one request; protocol messages are copied and moved, not cloned. */
  call<T>(request: ThreadRequest): Promise<T> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      if (this.#pending.size === 1) this.#worker.ref();
      if (request.op === 'protocol') {
        const message = new Uint8Array(request.message);
        this.#worker.postMessage({ ...request, id, message }, [message.buffer]);
      } else {
        this.#worker.postMessage({ ...request, id });
      }
      this.#lane.nudge(); // the thread may be asleep on the lane, not reading messages
    });
  }

  /**
   * Run a statement whose rows `decode` builds from its raw answer (`tx`: the open transaction it
   * belongs to), through the lane: a few microseconds of crossing instead of a `postMessage` and
   * its answer. Parameters the lane cannot carry as text go by `postMessage`.
   */
  decoded<R>(
    sql: string,
    params: readonly unknown[],
    decode: RowDecoder<R>,
    tx?: number,
  ): Promise<QueryResult<R>> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const text = textParams(params);
    if (text === undefined) {
      return this.call<Uint8Array>({ op: 'decoded', sql, params: [...params], tx }).then((bytes) =>
        decodeAnswer(bytes, decode),
      );
    }
    const id = this.#nextId++;
    return new Promise<QueryResult<R>>((resolve, reject) => {
      // Registered like any call: an answer too large for the lane comes by postMessage.
      const fromMessage = (bytes: unknown): void =>
        resolve(decodeAnswer(bytes as Uint8Array, decode));
      this.#pending.set(id, { resolve: fromMessage, reject });
      if (this.#pending.size === 1) this.#worker.ref();
      const settle = resolve as (result: QueryResult<unknown>) => void;
      this.#laneQueue.push({
        id,
        sql,
        params: text,
        tx: tx ?? -1,
        decode,
        resolve: settle,
        reject,
      });
      if (!this.#laneBusy) void this.#pump();
    });
  }

  // Send the queued lane calls one at a time, each answer read in place.
  async #pump(): Promise<void> {
    this.#laneBusy = true;
    const lane = this.#lane;
    try {
      for (let call = this.#laneQueue.shift(); call !== undefined; call = this.#laneQueue.shift()) {
        if (this.#failure !== undefined) return;
        if (!lane.sendRequest(call)) {
          // Too large for the lane: the same request, by postMessage (ids keep their order).
          const { id, sql, params, tx } = call;
          this.#worker.postMessage({ op: 'decoded', id, sql, params, tx: tx < 0 ? undefined : tx });
          lane.nudge();
          continue;
        }
        // Most answers come within microseconds: wait for them blocked (bounded, so the event
        // loop is never held long), then without blocking it.
        let state = lane.wait(LaneState.request, ANSWER_SPIN_MS, ANSWER_BLOCK_MS);
        if (state === LaneState.request) state = await lane.until(LaneState.request);
        if (state !== LaneState.answer) return;
        this.#settleLane(call, lane.answer());
        lane.release();
      }
    } finally {
      this.#laneBusy = false;
    }
  }

  #settleLane(call: LaneCall, answer: ReturnType<LaneBuffer['answer']>): void {
    if (answer.kind === AnswerKind.later || !this.#pending.has(call.id)) return; // by message
    this.#forget(call.id);
    if (answer.kind === AnswerKind.bytes) {
      try {
        call.resolve(decodeAnswer(answer.bytes, call.decode));
      } catch (error) {
        call.reject(error as Error);
      }
    } else {
      call.reject(errorFromThread(JSON.parse(answer.bytes.toString()) as ThreadError));
    }
  }

  /** End the thread now, whatever it is doing (a statement stuck in WASM included). */
  terminate(): void {
    this.#fail('was terminated');
    void this.#worker.terminate();
  }

  #settle(answer: ThreadAnswer): void {
    const pending = this.#pending.get(answer.id);
    if (pending === undefined) return;
    this.#forget(answer.id);
    if (answer.ok) pending.resolve(answer.value);
    else pending.reject(errorFromThread(answer.error));
  }

  #forget(id: number): void {
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#worker.unref();
  }

  #fail(what: string): void {
    if (this.#failure === undefined) {
      const stderr = this.#stderr.trim();
      this.#failure = new InstanceCrashedError(
        `the database thread ${what}${stderr === '' ? '' : `: ${stderr.slice(-300)}`}`,
        { hint: 'The instance is reopened automatically; retry the command.' },
      );
    }
    const failure = this.#failure;
    this.#laneQueue.length = 0;
    // Wake a lane call waiting for an answer that will never come.
    this.#lane.abandon();
    for (const [id, pending] of [...this.#pending]) {
      this.#forget(id);
      pending.reject(failure);
    }
  }
}
