import { sleep, type Clock } from '../../clock.js';
import type { OperationType } from '../judging/metrics.js';
import { DROPPED, type ScenarioRecorder } from './recorder.js';

/**
 * How load is offered. `closed`: `concurrency` callers, each starting its next operation when the
 * last one ends (latency from the actual start). `open`: operations start on a fixed schedule of
 * `ratePerSec` whatever the store does, and latency is measured from each one's intended start,
 * so a stall shows in the figures instead of silently slowing the generator down.
 */
export type LoadShape =
  | ({ readonly model: 'closed'; readonly concurrency: number } & LoadBounds)
  | ({
      readonly model: 'open';
      readonly ratePerSec: number;
      /** Operations in flight beyond which new ones are dropped (counted as failed). @default 1000 */
      readonly maxInFlight?: number;
    } & LoadBounds);

/** When a load stops: after `ops` measured operations or `durationMs`, whichever comes first. */
export interface LoadBounds {
  /** Measured operations (warm-up not included). */
  readonly ops?: number | undefined;
  /** Length of the measured window. */
  readonly durationMs?: number | undefined;
  /** Load before measuring starts, excluded from every figure. @default 0 */
  readonly warmupMs?: number | undefined;
}

/** One operation to run: its type, and the call. */
export interface LoadOp {
  readonly type: OperationType;
  readonly run: () => Promise<unknown>;
}

/** What a load needs from the run. */
export interface DriveDeps {
  /** Monotonic time in nanoseconds (fractional allowed). */
  readonly now: () => number;
  /** Timers for the open model's schedule. */
  readonly clock: Clock;
  readonly signal?: AbortSignal | undefined;
  /**
   * Stop once this many operations have failed. @default once over half of at least
   * {@link BAIL_AFTER_ATTEMPTS} operations failed (a store that is down, not one that sheds load)
   */
  readonly bailAfterFailures?: number | undefined;
  /** Called once, just before the first measured operation (the warm-up is over). */
  readonly onMeasuring?: (() => void) | undefined;
  /** Let the event loop run timers and I/O (a closed loop on PGlite never leaves microtasks). @default setImmediate */
  readonly yieldToLoop?: () => Promise<void>;
}

/** The default bailout looks at the failure share only after this many operations. */
export const BAIL_AFTER_ATTEMPTS = 1000;

/** Why a load stopped. */
export type StopReason = 'ops' | 'duration' | 'bailout' | 'aborted';

/** An operation of the open model counts as late when it starts this long after its time. */
export const LATE_AFTER_MS = 10;

/**
 * Closed-model callers give the event loop a turn about this often: they park together at their
 * next operation boundary, which lets promise callbacks run dry. PGlite answers through promise
 * callbacks only, so without it a closed loop never reaches the timers phase: no progress, no
 * memory samples, no operation timeouts — nothing a real server would see.
 */
export const YIELD_EVERY_MS = 10;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Offer `shape` of load, taking operations from `next` and recording into `recorder`. */
export async function drive(
  shape: LoadShape,
  next: () => LoadOp,
  recorder: ScenarioRecorder,
  deps: DriveDeps,
): Promise<StopReason> {
  if (shape.ops === undefined && shape.durationMs === undefined) {
    throw new RangeError('a load needs `ops` or `durationMs` to know when to stop');
  }
  const reason =
    shape.model === 'closed'
      ? await closed(shape, next, recorder, deps)
      : await open(shape, next, recorder, deps);
  recorder.end(deps.now());
  return reason;
}

/** Decides, before each measured operation, whether the load goes on. */
function bounds(shape: LoadBounds, recorder: ScenarioRecorder, deps: DriveDeps) {
  const warmEnd = deps.now() + (shape.warmupMs ?? 0) * 1e6;
  let end: number | undefined;
  let issued = 0;
  let stopped: StopReason | undefined;
  return {
    /** True while `at` (ns) is still in the warm-up. */
    warm: (at: number): boolean => at < warmEnd,
    /** Count one measured operation starting at `at`, or say why there is none. */
    take(at: number): StopReason | undefined {
      if (stopped !== undefined) return stopped;
      if (end === undefined) {
        deps.onMeasuring?.();
        recorder.begin(at);
        end = shape.durationMs === undefined ? Infinity : at + shape.durationMs * 1e6;
      }
      if (deps.signal?.aborted === true) stopped = 'aborted';
      else if (shouldBail(recorder, deps.bailAfterFailures)) stopped = 'bailout';
      else if (shape.ops !== undefined && issued >= shape.ops) stopped = 'ops';
      else if (at >= end) stopped = 'duration';
      else issued += 1;
      return stopped;
    },
    aborted: (): boolean => deps.signal?.aborted === true,
  };
}

/** True when a load should stop for its failures (`after` of them, or the default rule). */
export function shouldBail(recorder: ScenarioRecorder, after: number | undefined): boolean {
  if (after !== undefined) return recorder.failed >= after;
  return recorder.attempted >= BAIL_AFTER_ATTEMPTS && recorder.failed > recorder.attempted / 2;
}

async function closed(
  shape: Extract<LoadShape, { model: 'closed' }>,
  next: () => LoadOp,
  recorder: ScenarioRecorder,
  deps: DriveDeps,
): Promise<StopReason> {
  const limit = bounds(shape, recorder, deps);
  const yieldToLoop = deps.yieldToLoop ?? nextTurn;
  let reason: StopReason = 'ops';
  let turn = deps.now();
  // One turn for all callers: each parks at its next operation boundary, and only once all are
  // parked do promise callbacks run dry, so that the loop moves on to timers and I/O.
  let gate: Promise<void> | undefined;
  const worker = async (): Promise<void> => {
    // Every caller's first operation starts at once: a burst of N callers is N calls in flight.
    for (let first = true; ; first = false) {
      if (!first && gate === undefined && deps.now() - turn > YIELD_EVERY_MS * 1e6) {
        gate = yieldToLoop().then(() => {
          turn = deps.now();
          gate = undefined;
        });
      }
      if (!first && gate !== undefined) await gate;
      const start = deps.now();
      const warm = limit.warm(start);
      const stop = warm ? (limit.aborted() ? 'aborted' : undefined) : limit.take(start);
      if (stop !== undefined) {
        reason = stop;
        return;
      }
      const op = next();
      try {
        await op.run();
        if (!warm) recorder.success(op.type, deps.now() - start);
      } catch (error) {
        if (!warm) recorder.failure(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, shape.concurrency) }, worker));
  return reason;
}

async function open(
  shape: Extract<LoadShape, { model: 'open' }>,
  next: () => LoadOp,
  recorder: ScenarioRecorder,
  deps: DriveDeps,
): Promise<StopReason> {
  const limit = bounds(shape, recorder, deps);
  const intervalNs = 1e9 / shape.ratePerSec;
  const maxInFlight = shape.maxInFlight ?? 1000;
  const inFlight = new Set<Promise<void>>();
  const start = deps.now();
  let reason: StopReason | undefined;
  for (let i = 0; reason === undefined;) {
    const intended = start + i * intervalNs;
    const now = deps.now();
    if (intended > now) {
      // An interruption ends the wait at once; the next turn sees it and stops.
      await sleep(deps.clock, Math.ceil((intended - now) / 1e6), deps.signal).catch(
        () => undefined,
      );
      continue;
    }
    i += 1;
    const warm = limit.warm(intended);
    reason = warm ? (limit.aborted() ? 'aborted' : undefined) : limit.take(intended);
    if (reason !== undefined) break;
    if (!warm) {
      recorder.slip.record(now - intended);
      if (now - intended > LATE_AFTER_MS * 1e6) recorder.late += 1;
    }
    if (inFlight.size >= maxInFlight) {
      if (!warm) recorder.fail(DROPPED);
      continue;
    }
    const op = next();
    const settled = op.run().then(
      () => {
        if (!warm) recorder.success(op.type, deps.now() - intended);
      },
      (error: unknown) => {
        if (!warm) recorder.failure(error);
      },
    );
    inFlight.add(settled);
    void settled.then(() => inFlight.delete(settled));
  }
  await Promise.all(inFlight);
  return reason ?? 'ops';
}
