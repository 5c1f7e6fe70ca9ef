import type { ScenarioReport, StressReport } from '../../stress/report.js';

/** The load flag of a run as the user wrote it: `--processes 4`, `--http`, or '' in-process. */
export function loadLabel(report: StressReport): string {
  switch (report.loadSource) {
    case 'in-process':
      return '';
    case 'processes':
      return `--processes ${report.loadProcesses?.workers.length ?? '?'}`;
    case 'http':
      return '--http';
  }
}

/** Where the load came from, when not from this process: one line. */
export function loadLine(report: StressReport): string | undefined {
  const p = report.loadProcesses;
  if (p === null) return undefined;
  const serve =
    p.serve === null
      ? 'straight to the PostgreSQL server'
      : `through serve pid ${p.serve.pid} (${p.serve.startedByRun ? 'started and stopped by this run' : 'already running'})`;
  const who =
    report.loadSource === 'http'
      ? "HTTP requests from autocannon in this process (the table times each response with process.hrtime; autocannon's own figures below are whole milliseconds)"
      : `${p.workers.length} worker processes (pids ${p.workers.join(', ')})`;
  return `load: ${who}, ${serve}`;
}

/** What a scenario's load outside this process adds: the workers' shares, or autocannon's summary. */
export function remoteNote(scenario: ScenarioReport): string | undefined {
  const remote = scenario.remote;
  if (remote === null) return undefined;
  switch (remote.kind) {
    case 'processes': {
      const shares = remote.workers.map((w) => `${w.succeeded}/${w.attempted}`).join(', ');
      return `ok/attempted per worker: ${shares}`;
    }
    case 'http': {
      const a = remote.autocannon;
      const l = a.latencyMs;
      return `autocannon: ${a.requests} responses (${a['2xx']} 2xx, ${a.non2xx} other), ${a.errors} errors, ${a.timeouts} timeouts; latency p50 ${l.p50}ms, p90 ${l.p90}ms, p99 ${l.p99}ms, max ${l.max}ms`;
    }
  }
}

/** One line per scenario the load source could not run. */
export function skippedLines(report: StressReport): string[] {
  const label = loadLabel(report);
  return report.skipped.map((s) => `${s.id}: skipped with ${label}: ${s.reason}`);
}
