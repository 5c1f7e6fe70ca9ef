import type { ExitCode } from './exit-code.js';

/** Options every pgcache error accepts. */
export interface PgcacheErrorOptions {
  /** One sentence: what to do next. */
  hint?: string | undefined;
  /** The underlying error, kept for debugging; never shown to users as is. */
  cause?: unknown;
}

/**
 * The base of every error pgcache raises on purpose: a stable `E_*` code, the exit code the CLI
 * uses for it, and a hint that names what to do next.
 */
export abstract class PgcacheError extends Error {
  abstract readonly code: `E_${string}`;
  abstract readonly exitCode: ExitCode;
  /** One sentence: what to do next. */
  readonly hint: string | undefined;

  constructor(message: string, options: PgcacheErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }

  /** The shape printed under `--json`: `{code, message, hint}`. */
  toJSON(): { code: string; message: string; hint: string | undefined } {
    return { code: this.code, message: this.message, hint: this.hint };
  }
}

/** True when `error` is one of pgcache's own errors (carries a code, exit code and hint). */
export function isPgcacheError(error: unknown): error is PgcacheError {
  return error instanceof PgcacheError;
}
