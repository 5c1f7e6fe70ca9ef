/**
 * The process exit codes pgcache documents. Append-only: a code is never renamed or reused.
 */
export const ExitCode = {
  /** Success. */
  Ok: 0,
  /** The answer is "no": key absent, a stress target missed, a doctor check failed, migrations pending under --check. */
  No: 1,
  /** Usage: unknown command or flag, bad argument. */
  Usage: 2,
  /** Bad input data: invalid JSON, value over the size limit, malformed batch file. */
  DataErr: 65,
  /** Store unavailable: cannot open or reach it, circuit open. */
  Unavailable: 69,
  /** Internal error (a bug). */
  Software: 70,
  /** Temporary: data directory owned by another live process, queue full, deadline exceeded. */
  TempFail: 75,
  /** Schema or configuration: pending migrations, checksum drift, invalid config file. */
  Config: 78,
  /** Interrupted. */
  Interrupted: 130,
} as const;

/** One of the documented exit codes. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
