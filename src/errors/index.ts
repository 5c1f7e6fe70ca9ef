export * from './errors.js';
export * from './exit-code.js';
export * from './pgcache-error.js';
