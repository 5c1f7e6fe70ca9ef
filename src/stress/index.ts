// The run: plan it once, run it (in-process, or as a whole session with its processes), report it.
export * from './events.js';
export * from './launcher.js';
export * from './plan.js';
export * from './report.js';
export * from './run-stress.js';
export * from './stress-session.js';
// load/: where load comes from and how it is offered and recorded.
export * from './load/fault-injector.js';
export * from './load/http-driver.js';
export * from './load/in-process-source.js';
export * from './load/latency-histogram.js';
export * from './load/load-model.js';
export * from './load/load-source.js';
export * from './load/process-driver.js';
export * from './load/random.js';
export * from './load/recorder.js';
export * from './load/remote-load.js';
export * from './load/remote-source.js';
export * from './load/sample-stream.js';
export * from './load/source-needs.js';
export * from './load/timeline.js';
export * from './load/worker-protocol.js';
export * from './load/worker-run.js';
export * from './load/workload.js';
// judging/: targets, metrics and verdicts.
export * from './judging/evaluate.js';
export * from './judging/metrics.js';
export * from './judging/profiles.js';
export * from './judging/targets.js';
export * from './judging/verdict.js';
// scenarios/: what a scenario is, and every scenario.
export * from './scenarios/crash-harness.js';
export * from './scenarios/scenario.js';
export { SCENARIOS, scenarioMetrics } from './scenarios/index.js';
// reports/: the report files.
export * from './reports/baseline.js';
export * from './reports/index.js';
