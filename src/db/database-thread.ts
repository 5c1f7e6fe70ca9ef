import { Worker } from 'node:worker_threads';
import { InstanceCrashedError } from '../errors/index.js';
import { builtPlatformScript } from '../platform/package-files.js';
import { isPoisonError } from './sql-errors.js';
import {
  errorFromThread,
  type PGliteLink,
  type ThreadAnswer,
  type ThreadOpenOptions,
  type ThreadRequest,
} from './thread-protocol.js';

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

// What the thread last wrote on stderr, kept to explain a crash.
const STDERR_KEPT = 2048;

/**
 * The worker thread one PGlite instance runs in, seen from the main thread: `call()` sends a
 * request and resolves with its answer. The thread keeps the process alive only while a call is
 * pending (an idle open database does not, as PGlite in place did not). If the thread dies, every
 * pending and later call fails with `InstanceCrashedError`, so that the supervisor replaces it.
 */
export class DatabaseThread implements PGliteLink {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #stderr = '';
  #failure: InstanceCrashedError | undefined;

  private constructor(worker: Worker) {
    this.#worker = worker;
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
    const thread = new DatabaseThread(new Worker(script, { stdout: true, stderr: true }));
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
    });
  }

  /** End the thread now, whatever it is doing (a statement stuck in WASM included). */
  terminate(why = 'was terminated'): void {
    this.#fail(why);
    void this.#worker.terminate();
  }

  #settle(answer: ThreadAnswer): void {
    const pending = this.#pending.get(answer.id);
    if (pending === undefined) return;
    this.#forget(answer.id);
    if (answer.ok) return pending.resolve(answer.value);
    const error = errorFromThread(answer.error);
    // A poisoned instance is never touched again, not even to close it (that can abort the
    // process): the thread ends, and the other calls fail as a crash.
    if (isPoisonError(error)) this.terminate('was poisoned');
    pending.reject(error);
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
    for (const [id, pending] of [...this.#pending]) {
      this.#forget(id);
      pending.reject(failure);
    }
  }
}
