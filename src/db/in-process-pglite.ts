import { InstanceCrashedError } from '../errors/index.js';
import { PGliteHost } from './pglite-host.js';
import { isPoisonError } from './sql-errors.js';
import {
  errorFromThread,
  errorToThread,
  type PGliteLink,
  type ThreadOpenOptions,
  type ThreadRequest,
} from './thread-protocol.js';

/**
 * PGlite in the caller's own thread, answering the database thread's requests with the same
 * values and errors (an error is reduced to the data that would have crossed the thread, so it is
 * translated alike) but without the two thread wake-ups a call costs there. A statement blocks
 * the caller's event loop while it runs, which is why only stores that run nothing but pgcache's
 * own statements use it (see `thread` in `openStore`). An instance that was poisoned (a WASM trap
 * or abort) is never touched again, not even to close it: that could abort the process itself.
 */
export class InProcessPGlite implements PGliteLink {
  readonly #host = new PGliteHost();
  // Rejecters of the calls not answered yet (waiting for a transaction's turn), for terminate().
  readonly #pending = new Set<(error: Error) => void>();
  #failure: InstanceCrashedError | undefined;

  /** Open PGlite in this thread; the caller terminates the result. */
  static async start(options: ThreadOpenOptions): Promise<InProcessPGlite> {
    const link = new InProcessPGlite();
    await link.call({ op: 'open', options });
    return link;
  }

  get exited(): boolean {
    return this.#failure !== undefined;
  }

  call<T>(request: ThreadRequest): Promise<T> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise<T>((resolve, reject) => {
      this.#pending.add(reject);
      this.#host.handle(request).then(
        ({ value }) => {
          if (this.#pending.delete(reject)) resolve(value as T);
        },
        (error: unknown) => {
          if (!this.#pending.delete(reject)) return;
          if (isPoisonError(error)) this.#fail('was poisoned');
          reject(errorFromThread(errorToThread(error)));
        },
      );
    });
  }

  terminate(): void {
    this.#fail('was terminated');
  }

  #fail(what: string): void {
    this.#failure ??= new InstanceCrashedError(`the embedded database ${what}`, {
      hint: 'The instance is reopened automatically; retry the command.',
    });
    const failure = this.#failure;
    for (const reject of this.#pending) reject(failure);
    this.#pending.clear();
  }
}
