/** Each command's default budget (`--timeout`), in milliseconds. */
export const COMMAND_BUDGET_MS = {
  init: 120_000, // creating a data directory runs initdb: 3-15 s on a loaded machine
  migrate: 120_000,
  get: 30_000,
  set: 60_000,
  del: 30_000,
  list: 30_000,
  stats: 30_000,
  maintain: 600_000,
  doctor: 120_000, // a lifecycle probe opens the store several times
  stress: 600_000, // the whole run; each of its operations has the budget of a get (30 s)
  serve: 30_000, // the budget of each HTTP request
} as const;
