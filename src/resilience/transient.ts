import {
  DeadlineExceededError,
  InstanceCrashedError,
  InstanceRestartedError,
  OperationTimeoutError,
  StoreUnavailableError,
  TransientDatabaseError,
} from '../errors/index.js';

/**
 * True when trying the same call again may succeed: a transient database failure (serialization
 * failure, deadlock, lock not available, lost connection), a call cut short because the embedded
 * instance was replaced under it, or an attempt that ran out of its operation timeout.
 *
 * Everything else is final: constraint violations and syntax errors (`DatabaseError`), bad input,
 * deadlines, and `InstanceCrashedError` (the call that crashed the instance would crash it again).
 * This is the one place that decides; the retry loop and the breaker both ask it.
 */
export function isTransient(error: unknown): boolean {
  return (
    error instanceof TransientDatabaseError ||
    error instanceof InstanceRestartedError ||
    error instanceof OperationTimeoutError
  );
}

/**
 * True when `error` says the infrastructure is failing, so it counts towards opening a circuit
 * breaker: transient failures, a crashed instance, a store that cannot be reached, and an attempt
 * that used up the caller's deadline. Input errors and bugs never count: a caller sending bad
 * JSON must not take the store away from everyone else.
 */
export function countsAsBreakerFailure(error: unknown): boolean {
  if (isTransient(error)) return true;
  if (error instanceof InstanceCrashedError || error instanceof StoreUnavailableError) return true;
  return error instanceof DeadlineExceededError && error.stage === 'attempt';
}
