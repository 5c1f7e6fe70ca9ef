import type { DatabaseInfo } from '../../db/database.js';
import type { InProcessSource } from './in-process-source.js';
import {
  addCounters,
  NO_COUNTERS,
  type FinishReport,
  type LoadSource,
  type SourceCounters,
  type StoreTuning,
  type StressClient,
} from './load-source.js';
import type { ScenarioRecorder } from './recorder.js';
import type {
  LoadProcesses,
  RemoteDriveDeps,
  RemoteDriveResult,
  RemoteLoadRequest,
} from './remote-load.js';
import { remoteUnsupported, type RemoteCapabilities, type SourceNeed } from './source-needs.js';
import { Workload } from './workload.js';

/** Runs a workload's load outside this process: from worker processes, or over HTTP. */
export interface RemoteDriver {
  drive(
    request: RemoteLoadRequest,
    tuning: StoreTuning | undefined,
    recorder: ScenarioRecorder,
    deps: RemoteDriveDeps,
  ): Promise<RemoteDriveResult>;
}

/** The `pgcache serve` process the load goes through. */
export interface ServeOwner {
  readonly pid: number;
  /** Its HTTP API now (a restart moves it to new ports). */
  readonly httpUrl: string;
  /** True for a serve this run started (and stops); only such a serve can be restarted. */
  readonly startedByRun: boolean;
  /** Restart it with a scenario's settings on top of the configured ones; resolves once it serves. */
  restart(tuning: StoreTuning | undefined): Promise<void>;
}

/** What a {@link RemoteSource} is made of. */
export interface RemoteSourceDeps {
  readonly caps: RemoteCapabilities;
  /**
   * This process's own store (through `serve`, or on the server): it fills the key space before a
   * load, answers the scenarios' own calls, and deletes the run's keys at the end.
   */
  readonly base: InProcessSource;
  readonly driver: RemoteDriver;
  readonly owner?: ServeOwner | undefined;
  /**
   * Restart `owner` when a scenario asks for a store with settings of its own (`--http`: the
   * queue that takes the load is serve's). @default false
   */
  readonly restartOwnerForTuning?: boolean;
  /** Worker process ids, for the report. @default none */
  readonly workers?: readonly number[];
}

/**
 * A load source whose workloads run outside this process (`--processes`, `--http`) while the
 * scenarios' own calls — filling the key space, the burst's health check, queue figures, the
 * cleanup — go through this process's store, which reaches the same data.
 */
export class RemoteSource implements LoadSource {
  readonly kind: 'processes' | 'http';
  readonly label: string;
  readonly #deps: RemoteSourceDeps;
  #tuning: StoreTuning | undefined;
  #ownerTuned = false;
  /** Retries and restarts the load's own processes reported, summed over the run. */
  #remoteCounters: SourceCounters = NO_COUNTERS;

  constructor(deps: RemoteSourceDeps) {
    this.#deps = deps;
    this.kind = deps.caps.kind;
    this.label = deps.caps.flag;
  }

  async client(tuning?: StoreTuning): Promise<StressClient> {
    const { owner, base } = this.#deps;
    // A fresh serve for a store of the scenario's own (as in-process opens one); back to the
    // configured settings after.
    const restart = this.#deps.restartOwnerForTuning === true && owner?.startedByRun === true;
    if (owner !== undefined && restart && (tuning !== undefined || this.#ownerTuned)) {
      await base.release();
      await owner.restart(tuning);
      this.#ownerTuned = tuning !== undefined;
    }
    this.#tuning = tuning;
    return base.client(tuning);
  }

  release(): Promise<void> {
    return this.#deps.base.release();
  }

  describe(): DatabaseInfo | undefined {
    return this.#deps.base.describe();
  }

  async counters(): Promise<SourceCounters> {
    return addCounters(await this.#deps.base.counters(), this.#remoteCounters);
  }

  finish(lastRun: Record<string, unknown>, options: { keep: boolean }): Promise<FinishReport> {
    return this.#deps.base.finish(lastRun, options);
  }

  unsupported(need: SourceNeed): string | undefined {
    return remoteUnsupported(this.#deps.caps, need);
  }

  async drive(
    request: RemoteLoadRequest,
    recorder: ScenarioRecorder,
    deps: RemoteDriveDeps,
  ): Promise<RemoteDriveResult> {
    // The workers' writes land in the workload's key space: all of it is the run's to delete.
    const space = new Workload(request.workload.options, request.workload);
    this.#deps.base.noteWritten(Array.from({ length: space.keyCount }, (_, i) => space.key(i)));
    const result = await this.#deps.driver.drive(request, this.#tuning, recorder, deps);
    if (result.counters !== undefined) {
      this.#remoteCounters = addCounters(this.#remoteCounters, result.counters);
    }
    return result;
  }

  processes(): LoadProcesses {
    const { owner, workers } = this.#deps;
    return {
      serve:
        owner === undefined
          ? null
          : { pid: owner.pid, http: owner.httpUrl, startedByRun: owner.startedByRun },
      workers: workers ?? [],
    };
  }
}
