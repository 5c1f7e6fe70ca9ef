import { readLock } from '../../db/data-dir-lock.js';
import type { Host } from '../../platform/host.js';
import { serveUrl } from '../../serve/addresses.js';
import type { OpenStoreOptions } from '../../store/open-store.js';
import type { Store } from '../../store/store.js';

/**
 * How the processes of `stress --processes` and `--http` open the store while a `pgcache serve`
 * owns the data directory: as clients of its Postgres wire endpoint (the load goes through serve,
 * as an application's would), with the configured token as password. With no serving owner, or
 * on a PostgreSQL server, the store opens as usual.
 */
export function openThroughServe(
  openStore: (options: OpenStoreOptions) => Promise<Store>,
  host: Host,
): (options: OpenStoreOptions) => Promise<Store> {
  return (options) => {
    const config = options.config;
    if (config === undefined || config.databaseUrl !== undefined) return openStore(options);
    const lock = readLock(config.dataDir, host);
    const pg = lock.state === 'live' ? lock.owner.endpoints?.pg : undefined;
    if (lock.state !== 'live' || pg === undefined) return openStore(options);
    const url = serveUrl(pg, config.serve.token);
    return openStore({ ...options, serveEndpoint: { url, via: `serve, pid ${lock.owner.pid}` } });
  };
}
