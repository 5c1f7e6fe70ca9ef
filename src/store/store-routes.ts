import type { Route } from '../resilience/operation-runner.js';

/**
 * The routes of the store's hot operations, made once: a call passes one of these and its
 * deadline to the runner instead of building an options object.
 */
export const STORE_ROUTES = {
  get: { kind: 'read', name: 'get' },
  set: { kind: 'write', name: 'set' },
  setMany: { kind: 'write', name: 'set-many' },
} as const satisfies Readonly<Record<string, Route>>;
