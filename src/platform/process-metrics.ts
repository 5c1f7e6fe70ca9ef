import { Registry, collectDefaultMetrics } from 'prom-client';

let registry: Registry | undefined;

/**
 * The standard `process_*` and `nodejs_*` Prometheus families of this process (CPU, resident
 * memory, start time, open file descriptors, event-loop lag, heap spaces, garbage collection,
 * Node.js version), as prom-client's default metrics collect them. One registry per process: the
 * figures are the process's, and its monitors (event-loop delay, a GC observer) cannot be stopped.
 */
export function processMetricsText(): Promise<string> {
  if (registry === undefined) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry });
  }
  return registry.metrics();
}
