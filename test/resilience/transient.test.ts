import { describe, expect, it } from 'vitest';
import { translateDriverError } from '../../src/db/sql-errors.js';
import {
  CircuitOpenError,
  ClosedError,
  DatabaseError,
  DeadlineExceededError,
  InstanceCrashedError,
  InstanceRestartedError,
  InvalidJsonError,
  OperationTimeoutError,
  QueueFullError,
  StoreUnavailableError,
  TransientDatabaseError,
  UsageError,
  ValueTooLargeError,
} from '../../src/errors/index.js';
import { countsAsBreakerFailure, isTransient } from '../../src/resilience/transient.js';
import { sqlStateError, wasmCrash } from '../support/faulty-database.js';

describe('isTransient and countsAsBreakerFailure', () => {
  const cases: [string, unknown, boolean, boolean][] = [
    ['serialization failure', new TransientDatabaseError('busy', '40001'), true, true],
    ['a restarted instance', new InstanceRestartedError('restarted'), true, true],
    ['an attempt timeout', new OperationTimeoutError('slow'), true, true],
    ['a crashed instance', new InstanceCrashedError('crashed'), false, true],
    ['an unreachable store', new StoreUnavailableError('gone'), false, true],
    ['the deadline in an attempt', new DeadlineExceededError('late', 'attempt'), false, true],
    ['the deadline in the queue', new DeadlineExceededError('late', 'queue'), false, false],
    ['the deadline in a backoff', new DeadlineExceededError('late', 'backoff'), false, false],
    ['a constraint violation', new DatabaseError('dup', '23505'), false, false],
    ['bad usage', new UsageError('bad flag'), false, false],
    ['invalid JSON', new InvalidJsonError('not json'), false, false],
    ['a value too large', new ValueTooLargeError('big'), false, false],
    ['an open circuit', new CircuitOpenError('open'), false, false],
    ['a full queue', new QueueFullError('full'), false, false],
    ['a closed handle', new ClosedError('closed'), false, false],
    ['a bug', new TypeError('x is undefined'), false, false],
    ['a thrown string', 'boom', false, false],
  ];

  it.each(cases)('%s: transient %s, breaker failure %s', (_name, error, transient, failure) => {
    expect(isTransient(error)).toBe(transient);
    expect(countsAsBreakerFailure(error)).toBe(failure);
  });

  it('classifies driver errors after the adapter translated them', () => {
    const translated = (error: unknown): unknown => translateDriverError(error, 'query');
    expect(isTransient(translated(sqlStateError('40001')))).toBe(true);
    expect(isTransient(translated(sqlStateError('40P01')))).toBe(true);
    expect(isTransient(translated(sqlStateError('55P03')))).toBe(true);
    expect(isTransient(translated(sqlStateError('23505')))).toBe(false);
    expect(isTransient(translated(sqlStateError('42601')))).toBe(false);
    expect(isTransient(translated(wasmCrash()))).toBe(false);
    expect(countsAsBreakerFailure(translated(wasmCrash()))).toBe(true);
    expect(countsAsBreakerFailure(translated(sqlStateError('23505')))).toBe(false);
  });
});
