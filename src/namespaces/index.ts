export * from './namespace-policy.js';
export * from './rate-limiter.js';
export * from './namespace-report.js';
