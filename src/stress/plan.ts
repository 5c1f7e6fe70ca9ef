import type { PgcacheConfig } from '../config/load-config.js';
import { UsageError } from '../errors/index.js';
import type { Host } from '../platform/host.js';
import { runningServe, type StressServe } from './load/stress-serve.js';
import {
  partitionScenarios,
  remoteUnsupported,
  type RemoteCapabilities,
  type SkippedScenario,
} from './load/source-needs.js';
import type { TargetSet } from './judging/targets.js';
import type { ScenarioDefinition } from './scenarios/scenario.js';
import { SCENARIOS } from './scenarios/index.js';

/** Where the load of a stress run comes from. */
export type LoadMode =
  | { readonly kind: 'in-process' }
  | { readonly kind: 'processes'; readonly count: number }
  | { readonly kind: 'http' };

/** How messages name a load: `in-process`, `--processes 4`, `--http`. */
export function loadModeLabel(mode: LoadMode): string {
  switch (mode.kind) {
    case 'in-process':
      return 'in-process';
    case 'processes':
      return `--processes ${mode.count}`;
    case 'http':
      return '--http';
  }
}

/** What a run is asked to run. */
export interface PlanRequest {
  /** The targets to judge (a profile or a user's file); they also choose the scenarios. */
  readonly targets: TargetSet;
  /** Run only these scenario ids. @default every scenario the targets name */
  readonly only?: readonly string[] | undefined;
  /** @default in-process */
  readonly load?: LoadMode;
}

/** A run decided once, before anything is opened or started. */
export interface StressPlan {
  readonly targets: TargetSet;
  readonly load: LoadMode;
  /** The scenarios to run, in run order. */
  readonly scenarios: readonly ScenarioDefinition[];
  /** Scenarios of the targets the load cannot run, and why (their targets are not judged). */
  readonly skipped: readonly SkippedScenario[];
  /** A serve already owning the data directory, which a load from other processes goes through. */
  readonly runningServe: StressServe | undefined;
}

/** The scenarios a run takes, in run order: those `targets` name, narrowed by `only`. */
export function selectScenarios(
  targets: TargetSet,
  only: readonly string[] | undefined,
): ScenarioDefinition[] {
  for (const id of only ?? []) {
    if (!SCENARIOS.some((s) => s.id === id)) {
      throw new UsageError(`unknown scenario "${id}"`, {
        hint: `Known scenarios: ${SCENARIOS.map((s) => s.id).join(', ')} (see \`pgcache stress --list\`).`,
      });
    }
  }
  const named = new Set(targets.targets.map((t) => t.scenario));
  return SCENARIOS.filter((s) => (only === undefined ? named.has(s.id) : only.includes(s.id)));
}

/**
 * Plan a run: the scenarios it takes and those its load cannot run (a usage error when `only`
 * names one, or when nothing is left to run). A load from other processes goes through a serve
 * already owning the data directory, when there is one, so the plan reads the lock file; it opens
 * nothing.
 */
export function planStress(
  request: PlanRequest,
  env: { readonly config: PgcacheConfig; readonly host: Host },
): StressPlan {
  const load = request.load ?? { kind: 'in-process' };
  const running = load.kind === 'in-process' ? undefined : runningServe(env.config, env.host);
  let caps: RemoteCapabilities | undefined;
  if (load.kind !== 'in-process') {
    // --processes on a PostgreSQL server needs no serve: the workers reach the server themselves.
    const needsServe = load.kind === 'http' || env.config.databaseUrl === undefined;
    caps = {
      kind: load.kind,
      flag: loadModeLabel(load),
      serve: needsServe ? (running ?? { startedByRun: true, pid: 0 }) : undefined,
    };
  }
  const { runnable, skipped } = partitionScenarios(
    selectScenarios(request.targets, request.only),
    request.targets,
    {
      explicit: request.only !== undefined,
      unsupported: (need) => (caps === undefined ? undefined : remoteUnsupported(caps, need)),
      flag: loadModeLabel(load),
    },
  );
  return { targets: request.targets, load, scenarios: runnable, skipped, runningServe: running };
}
