import {
  DatabaseError,
  InstanceCrashedError,
  StoreUnavailableError,
  TransientDatabaseError,
  isPgcacheError,
  type PgcacheError,
} from '../errors/index.js';

/** SQLSTATEs that mean "try again": serialization, deadlock, locks, connection and shutdown. */
const TRANSIENT_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '55006', // object_in_use
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '08000', // connection_exception
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08003', // connection_does_not_exist
  '08004', // sqlserver_rejected_establishment_of_sqlconnection
  '08006', // connection_failure
]);

/** Node socket errors that mean the connection was lost or refused. */
const TRANSIENT_SOCKET_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

/**
 * Messages of a WebAssembly instance that is no longer usable: an abort, a trap, Postgres's error
 * stack overflowing after deep recursion, or Postgres exiting (`ExitStatus`: a FATAL error ends
 * the one backend). Error class names are minified, so match text.
 */
const POISON_PATTERN =
  /RuntimeError|ExitStatus|Program terminated|Aborted\(|unreachable|null function or function signature mismatch|memory access out of bounds|ERRORDATA_STACK_SIZE exceeded|call stack size exceeded/i;

/** True when `error` means the embedded instance is broken and must be replaced. */
export function isPoisonError(error: unknown): boolean {
  if (error instanceof InstanceCrashedError) return true;
  if (isPgcacheError(error)) return false;
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return POISON_PATTERN.test(text);
}

function sqlStateOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * Translate a driver error (PGlite, `pg`, a socket) into a pgcache error. pgcache errors pass
 * through unchanged. `context` names the operation for the message.
 */
export function translateDriverError(error: unknown, context: string): PgcacheError {
  if (isPgcacheError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (isPoisonError(error)) {
    return new InstanceCrashedError(
      `${context}: the embedded database crashed (${message.slice(0, 200)})`,
      {
        cause: error,
        hint: 'The instance is reopened automatically; retry the command.',
      },
    );
  }
  const sqlState = sqlStateOf(error);
  if (sqlState !== undefined && TRANSIENT_SQLSTATES.has(sqlState)) {
    return new TransientDatabaseError(`${context}: ${message} (SQLSTATE ${sqlState})`, sqlState, {
      cause: error,
      hint: 'This is temporary; retry the command.',
    });
  }
  const socketCode = (error as { code?: unknown } | null)?.code;
  if (typeof socketCode === 'string' && TRANSIENT_SOCKET_CODES.has(socketCode)) {
    return new TransientDatabaseError(`${context}: connection lost (${socketCode})`, undefined, {
      cause: error,
      hint: 'Check that the database server is running and reachable, then retry.',
    });
  }
  if (
    /Connection terminated|connection (was )?closed|server closed the connection/i.test(message)
  ) {
    return new TransientDatabaseError(`${context}: connection lost (${message})`, undefined, {
      cause: error,
      hint: 'Check that the database server is running and reachable, then retry.',
    });
  }
  // Class 28 is invalid authorization: a wrong password (or serve's token) is not a bug.
  if (
    (sqlState === undefined || sqlState.startsWith('28')) &&
    /password authentication failed|does not exist|no pg_hba/i.test(message)
  ) {
    return new StoreUnavailableError(`${context}: ${message}`, {
      cause: error,
      hint: 'Check the user, password and database in --database-url.',
    });
  }
  return new DatabaseError(
    `${context}: ${message}${sqlState === undefined ? '' : ` (SQLSTATE ${sqlState})`}`,
    sqlState,
    {
      cause: error,
    },
  );
}
