import { UsageError } from '../../errors/index.js';
import type { ScenarioDefinition } from '../scenarios/scenario.js';
import type { TargetSet } from '../judging/targets.js';

/**
 * What a scenario needs of its load source beyond driving a workload: `this-process` (it
 * measures, or injects faults into, the process that runs the load), `own-queue` (the wait of
 * its whole load in one queue, which is the wait its callers see), `tuned-queue` (the queue that
 * takes the load set to the scenario's small one).
 */
export type SourceNeed = 'this-process' | 'own-queue' | 'tuned-queue';

/** What decides which needs a load source outside this process meets. */
export interface RemoteCapabilities {
  readonly kind: 'processes' | 'http';
  /** Flag as the user wrote it, for messages: `--processes 4`, `--http`. */
  readonly flag: string;
  /**
   * The `serve` the load goes through: whether this run started it (so it may restart it with a
   * scenario's settings), and its pid. Undefined without one (`--processes` on a server).
   */
  readonly serve?: { readonly startedByRun: boolean; readonly pid: number } | undefined;
}

/** Why a scenario with `need` cannot run from a source with `caps`; undefined when it can. */
export function remoteUnsupported(caps: RemoteCapabilities, need: SourceNeed): string | undefined {
  const { kind } = caps;
  const foreign = caps.serve?.startedByRun === false ? caps.serve.pid : undefined;
  switch (need) {
    case 'this-process':
      return kind === 'processes'
        ? 'it measures or injects faults into the process that runs the load, and here child processes run it'
        : 'it measures or injects faults into the process that runs the load, and here the load is HTTP requests to serve';
    case 'own-queue':
      return kind === 'processes'
        ? 'each worker process queues its own calls, and their waits make no single queue figure'
        : `through HTTP, requests wait in serve's sockets and event loop (PGlite blocks it while a statement runs) before they reach its queue, so the queue's wait is not what a caller waits; the latency of the other scenarios is`;
    case 'tuned-queue':
      return kind === 'http' && foreign !== undefined
        ? `serve pid ${foreign} was running before this run, so its queue cannot be set to the scenario's`
        : undefined;
  }
}

/** A scenario of the targets that the load source cannot run, and why. */
export interface SkippedScenario {
  readonly id: string;
  readonly reason: string;
  /** Ids of its targets, which are not judged. */
  readonly targets: readonly string[];
}

/** The reason a scenario cannot run from a source (the first need it does not meet). */
export function skipReason(
  definition: ScenarioDefinition,
  unsupported: (need: SourceNeed) => string | undefined,
): string | undefined {
  for (const need of definition.needs ?? []) {
    const reason = unsupported(need);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

/**
 * Split the selected scenarios into those the source runs and those it skips. A scenario named
 * with `--scenario` that cannot run is a usage error, and so is a run left with nothing to run.
 */
export function partitionScenarios(
  scenarios: readonly ScenarioDefinition[],
  targets: TargetSet,
  options: {
    readonly explicit: boolean;
    readonly unsupported: (need: SourceNeed) => string | undefined;
    /** The load flag, for messages: `--processes 4`, `--http`. */
    readonly flag: string;
  },
): { runnable: ScenarioDefinition[]; skipped: SkippedScenario[] } {
  const runnable: ScenarioDefinition[] = [];
  const skipped: SkippedScenario[] = [];
  for (const definition of scenarios) {
    const reason = skipReason(definition, options.unsupported);
    if (reason === undefined) {
      runnable.push(definition);
      continue;
    }
    if (options.explicit) {
      throw new UsageError(`${definition.id} cannot run with ${options.flag}: ${reason}`, {
        hint: `Leave it out of --scenario, or run it without ${options.flag}.`,
      });
    }
    const ids = targets.targets.filter((t) => t.scenario === definition.id).map((t) => t.id);
    skipped.push({ id: definition.id, reason, targets: ids });
  }
  if (runnable.length === 0 && skipped.length > 0) {
    throw new UsageError(`none of the scenarios of these targets can run with ${options.flag}`, {
      hint: `Run them without ${options.flag}; see \`pgcache stress --list\`.`,
    });
  }
  return { runnable, skipped };
}
