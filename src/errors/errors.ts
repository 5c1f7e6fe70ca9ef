import { ExitCode } from './exit-code.js';
import { PgcacheError, isPgcacheError, type PgcacheErrorOptions } from './pgcache-error.js';

// Usage (exit 2) ----------------------------------------------------------------------------

/** A bad command-line argument or option value. */
export class UsageError extends PgcacheError {
  readonly code = 'E_USAGE';
  readonly exitCode = ExitCode.Usage;
}

/** A key that breaks the key grammar (length, characters, `component:`/`block:` shape). */
export class InvalidKeyError extends PgcacheError {
  readonly code = 'E_INVALID_KEY';
  readonly exitCode = ExitCode.Usage;
}

// Bad input data (exit 65) ------------------------------------------------------------------

/** A value that is not valid JSON. */
export class InvalidJsonError extends PgcacheError {
  readonly code = 'E_INVALID_JSON';
  readonly exitCode = ExitCode.DataErr;
}

/** A value whose stored JSON is larger than `maxEntryBytes`. */
export class ValueTooLargeError extends PgcacheError {
  readonly code = 'E_VALUE_TOO_LARGE';
  readonly exitCode = ExitCode.DataErr;
}

/** A malformed batch file; the message names the line. */
export class BatchFormatError extends PgcacheError {
  readonly code = 'E_BATCH_FORMAT';
  readonly exitCode = ExitCode.DataErr;
}

// Store unavailable (exit 69) ---------------------------------------------------------------

/** The store cannot be opened or reached. */
export class StoreUnavailableError extends PgcacheError {
  readonly code = 'E_STORE_UNAVAILABLE';
  readonly exitCode = ExitCode.Unavailable;
}

/** A call rejected because a circuit breaker is open. */
export class CircuitOpenError extends PgcacheError {
  readonly code = 'E_CIRCUIT_OPEN';
  readonly exitCode = ExitCode.Unavailable;
}

/** The embedded instance crashed (WASM abort or a poisoned instance) while running this call. */
export class InstanceCrashedError extends PgcacheError {
  readonly code = 'E_INSTANCE_CRASHED';
  readonly exitCode = ExitCode.Unavailable;
}

// Internal (exit 70) ------------------------------------------------------------------------

/** A bug: something that should not happen did. */
export class InternalError extends PgcacheError {
  readonly code = 'E_INTERNAL';
  readonly exitCode = ExitCode.Software;
}

/** A call on a store or database handle after `close()`. */
export class ClosedError extends PgcacheError {
  readonly code = 'E_CLOSED';
  readonly exitCode = ExitCode.Software;
}

/** The outer handle was used inside a transaction callback (PGlite would hang for ever). */
export class NestedTransactionError extends PgcacheError {
  readonly code = 'E_NESTED_TRANSACTION';
  readonly exitCode = ExitCode.Software;
}

/** A database error that is neither transient nor a known input problem (a bug in our SQL). */
export class DatabaseError extends PgcacheError {
  readonly code = 'E_DATABASE';
  readonly exitCode = ExitCode.Software;
  /** The SQLSTATE the database reported, when it reported one. */
  readonly sqlState: string | undefined;
  constructor(message: string, sqlState: string | undefined, options: { cause?: unknown } = {}) {
    super(message, {
      ...options,
      hint: 'This is a bug in pgcache; please report it with the message above.',
    });
    this.sqlState = sqlState;
  }
}

// Temporary (exit 75) -----------------------------------------------------------------------

/** Who owns a data directory, as written in its lock file. */
export interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
  endpoints?: {
    pg?: { host: string; port: number };
    http?: { url: string };
    socket?: string;
    /** The owner's control socket, where other pgcache processes send typed operations. */
    control?: string;
  };
}

/** The data directory is owned by another live process. */
export class StoreLockedError extends PgcacheError {
  readonly code = 'E_STORE_LOCKED';
  readonly exitCode = ExitCode.TempFail;
  readonly owner: LockOwner;
  constructor(message: string, owner: LockOwner, options: { hint?: string } = {}) {
    super(message, options);
    this.owner = owner;
  }
}

/** The operation queue is full; the call was rejected at once. */
export class QueueFullError extends PgcacheError {
  readonly code = 'E_QUEUE_FULL';
  readonly exitCode = ExitCode.TempFail;
}

/** The call waited in the queue longer than the queue-wait timeout. */
export class QueueTimeoutError extends PgcacheError {
  readonly code = 'E_QUEUE_TIMEOUT';
  readonly exitCode = ExitCode.TempFail;
}

/** The stage of an operation that ran out of time. */
export type DeadlineStage = 'queue' | 'attempt' | 'backoff' | 'open' | 'run';

/** The command's budget ran out; `stage` says where. */
export class DeadlineExceededError extends PgcacheError {
  readonly code = 'E_DEADLINE_EXCEEDED';
  readonly exitCode = ExitCode.TempFail;
  readonly stage: DeadlineStage;
  constructor(message: string, stage: DeadlineStage, options: { hint?: string } = {}) {
    super(message, options);
    this.stage = stage;
  }
}

/** One attempt took longer than the operation timeout. */
export class OperationTimeoutError extends PgcacheError {
  readonly code = 'E_OPERATION_TIMEOUT';
  readonly exitCode = ExitCode.TempFail;
}

/** A transient database failure (serialization, deadlock, lock, lost connection) that outlived its retries. */
export class TransientDatabaseError extends PgcacheError {
  readonly code = 'E_DATABASE_BUSY';
  readonly exitCode = ExitCode.TempFail;
  readonly sqlState: string | undefined;
  constructor(
    message: string,
    sqlState: string | undefined,
    options: { cause?: unknown; hint?: string } = {},
  ) {
    super(message, options);
    this.sqlState = sqlState;
  }
}

/** The embedded instance was replaced while this call was in flight on the old one. */
export class InstanceRestartedError extends PgcacheError {
  readonly code = 'E_INSTANCE_RESTARTED';
  readonly exitCode = ExitCode.TempFail;
}

/** Another `maintain` holds the maintenance lock. */
export class MaintenanceRunningError extends PgcacheError {
  readonly code = 'E_MAINTENANCE_RUNNING';
  readonly exitCode = ExitCode.TempFail;
}

/**
 * The owner of the data directory is closing (or just opening): this call was not started, and
 * the next owner (or this process, once the lock is free) takes it.
 */
export class OwnerClosingError extends PgcacheError {
  readonly code = 'E_OWNER_CLOSING';
  readonly exitCode = ExitCode.TempFail;
}

// Schema or configuration (exit 78) ---------------------------------------------------------

/** An invalid or contradictory configuration value. */
export class ConfigError extends PgcacheError {
  readonly code = 'E_CONFIG';
  readonly exitCode = ExitCode.Config;
}

/** The store has migrations that are not applied yet. */
export class MigrationsPendingError extends PgcacheError {
  readonly code = 'E_MIGRATIONS_PENDING';
  readonly exitCode = ExitCode.Config;
}

/** No store exists at the data directory yet. */
export class NotInitialisedError extends PgcacheError {
  readonly code = 'E_NOT_INITIALISED';
  readonly exitCode = ExitCode.Config;
}

/** An applied migration no longer matches its recorded checksum. */
export class MigrationDriftError extends PgcacheError {
  readonly code = 'E_MIGRATION_DRIFT';
  readonly exitCode = ExitCode.Config;
}

/** The store was migrated by a newer pgcache than this one. */
export class SchemaTooNewError extends PgcacheError {
  readonly code = 'E_SCHEMA_TOO_NEW';
  readonly exitCode = ExitCode.Config;
}

/** A migration failed to apply; its transaction was rolled back. */
export class MigrationFailedError extends PgcacheError {
  readonly code = 'E_MIGRATION_FAILED';
  readonly exitCode = ExitCode.Config;
}

// Interrupted (exit 130) --------------------------------------------------------------------

/** The command was interrupted (SIGINT/SIGTERM) before it finished. */
export class InterruptedError extends PgcacheError {
  readonly code = 'E_INTERRUPTED';
  readonly exitCode = ExitCode.Interrupted;
}

// Stress (appended) -------------------------------------------------------------------------

/** A stress targets file (or profile) that cannot be read: bad JSON, unknown metric or scenario, a number without its unit. */
export class InvalidTargetsError extends PgcacheError {
  readonly code = 'E_INVALID_TARGETS';
  readonly exitCode = ExitCode.Usage;
}

// Reported by another process -----------------------------------------------------------------

/**
 * An error that the `serve` process this command went through reported over its HTTP API: it
 * keeps that error's code, message, hint and exit code.
 */
export class RemoteError extends PgcacheError {
  readonly code: `E_${string}`;
  readonly exitCode: ExitCode;
  constructor(
    remote: { code: string; message: string; hint?: string | undefined; exitCode?: number },
    via: string,
  ) {
    super(`${remote.message} (reported by ${via})`, { hint: remote.hint });
    this.code = /^E_[A-Z_]+$/.test(remote.code) ? (remote.code as `E_${string}`) : 'E_REMOTE';
    this.exitCode = (Object.values(ExitCode) as number[]).includes(remote.exitCode ?? -1)
      ? (remote.exitCode as ExitCode)
      : ExitCode.Unavailable;
  }
}

// Tiers and namespaces ----------------------------------------------------------------------

/** The origin (L3) could not answer: down, slow, refusing, or its breaker is open. */
export class OriginUnavailableError extends PgcacheError {
  readonly code = 'E_ORIGIN_UNAVAILABLE';
  readonly exitCode = ExitCode.Unavailable;
  /** True when the origin was not asked at all, because its circuit breaker is open. */
  readonly breakerOpen: boolean;
  constructor(message: string, options: PgcacheErrorOptions & { breakerOpen?: boolean } = {}) {
    super(message, options);
    this.breakerOpen = options.breakerOpen ?? false;
  }
}

/** A write would take a namespace over its quota (max bytes or max entries); nothing was written. */
export class QuotaExceededError extends PgcacheError {
  readonly code = 'E_QUOTA_EXCEEDED';
  readonly exitCode = ExitCode.TempFail;
}

/** A namespace used up its rate limit; `retryAfterMs` says when a call will be let through. */
export class RateLimitedError extends PgcacheError {
  readonly code = 'E_RATE_LIMITED';
  readonly exitCode = ExitCode.TempFail;
  readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs: number, options: { hint?: string } = {}) {
    super(message, options);
    this.retryAfterMs = retryAfterMs;
  }
}

/** Standard output could not be written (a full disk, a closed file): the answer never arrived. */
export class OutputFailedError extends PgcacheError {
  readonly code = 'E_OUTPUT_FAILED';
  readonly exitCode = ExitCode.Unavailable;
}

/** Turn anything thrown into a pgcache error: programmer errors become `E_INTERNAL` (exit 70). */
export function asPgcacheError(error: unknown): PgcacheError {
  if (isPgcacheError(error)) return error;
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new InternalError(`internal error: ${message}`, {
    cause: error,
    hint: 'This is a bug in pgcache; please report it with this message (set PGCACHE_DEBUG=1 for the stack).',
  });
}
