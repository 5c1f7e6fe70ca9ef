import { InstanceCrashedError } from '../errors/index.js';

/**
 * The requests an {@link EmbeddedDatabase} sends its PGlite instance (answered by
 * src/db/pglite-host.ts). PGlite blocks the thread it runs on for as long as a statement runs; in
 * a thread of its own the main thread keeps answering sockets, timers and signals (a cancel
 * request, a health check, SIGTERM) while a statement runs, and a thread stuck in WASM can be
 * terminated. In the caller's thread a call costs no thread wake-ups.
 */

/**
 * Where an {@link EmbeddedDatabase}'s PGlite instance runs, seen from the database: a thread of
 * its own (src/db/database-thread.ts) or the caller's thread (src/db/in-process-pglite.ts). Both
 * answer the same requests with the same values and errors.
 */
export interface PGliteLink {
  /** Send one request; resolves with its answer. */
  call<T>(request: ThreadRequest): Promise<T>;
  /** Stop at once: every pending and later call fails with `InstanceCrashedError`. */
  terminate(): void;
  /** True once the instance can answer nothing more (terminated, or dead). */
  readonly exited: boolean;
}

/** Options the thread opens PGlite with. */
export interface ThreadOpenOptions {
  readonly pgDataDir: string;
  readonly maxWalSize: string;
}

/** A request to the database thread; `tx` names an open transaction. */
export type ThreadRequest =
  | { readonly op: 'open'; readonly options: ThreadOpenOptions }
  | { readonly op: 'query'; readonly sql: string; readonly params: unknown[]; readonly tx?: number }
  /** Answered with the answer's raw bytes, decoded by the caller (`queryDecoded`). */
  | {
      readonly op: 'decoded';
      readonly sql: string;
      readonly params: unknown[];
      readonly tx?: number;
    }
  | { readonly op: 'exec'; readonly sql: string; readonly tx?: number }
  | { readonly op: 'begin'; readonly tx: number }
  | { readonly op: 'end'; readonly tx: number; readonly commit: boolean }
  | { readonly op: 'protocol'; readonly message: Uint8Array }
  | { readonly op: 'close' };

/** A request as sent, with the id its answer carries. */
export type ThreadEnvelope = ThreadRequest & { readonly id: number };

/** An error as it crosses the thread boundary: its name, message and driver fields (SQLSTATE…). */
export interface ThreadError {
  readonly name: string;
  readonly message: string;
  readonly fields: Readonly<Record<string, string | number>>;
}

/** The answer to one request. */
export type ThreadAnswer =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: ThreadError };

/**
 * An error (or anything thrown: PGlite throws `ExitStatus` objects) as plain data: the fields a
 * driver error carries (`code`, `detail`, `hint`, `position`…) survive, so that the error is
 * translated on the main thread exactly as it would have been in place.
 */
export function errorToThread(error: unknown): ThreadError {
  if (typeof error !== 'object' || error === null) {
    return { name: 'Error', message: String(error), fields: {} };
  }
  const source = error as Record<string, unknown>;
  const fields: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === 'name' || key === 'message' || key === 'stack') continue;
    if (typeof value === 'string' || typeof value === 'number') fields[key] = value;
  }
  const name = typeof source['name'] === 'string' ? source['name'] : 'Error';
  const message =
    typeof source['message'] === 'string' ? source['message'] : JSON.stringify(fields);
  return { name, message, fields };
}

/**
 * The error a {@link ThreadError} describes, with its name and fields restored (the one pgcache
 * error raised in the thread, a crash found by the prepared statements, keeps its class).
 */
export function errorFromThread(error: ThreadError): Error {
  if (error.fields['code'] === 'E_INSTANCE_CRASHED') {
    const hint = error.fields['hint'];
    return new InstanceCrashedError(error.message, {
      hint: typeof hint === 'string' ? hint : undefined,
    });
  }
  const restored = Object.assign(new Error(error.message), error.fields);
  restored.name = error.name;
  return restored;
}
