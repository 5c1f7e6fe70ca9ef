import { isIPv6 } from 'node:net';

/** True for an address only this machine can reach. */
export function isLoopback(host: string): boolean {
  return /^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(host);
}

/** Where to connect to reach `host`: a wildcard address becomes loopback. */
export function reachable(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

/** `host` as written in a URL (IPv6 in brackets). */
export function urlHost(host: string): string {
  return isIPv6(host) ? `[${host}]` : host;
}

/** The PostgreSQL server a `--database-url` store runs on (from its redacted URL). */
export function serverAddress(location: string): { host: string; port: number } | null {
  try {
    const url = new URL(location);
    return { host: url.hostname, port: url.port === '' ? 5432 : Number(url.port) };
  } catch {
    return null;
  }
}

/** The wire URL of a `serve` endpoint, with `token` as the password (it holds the secret). */
export function serveUrl(pg: { host: string; port: number }, token: string | undefined): string {
  const password = token === undefined ? '' : `:${encodeURIComponent(token)}`;
  return `postgres://pgcache${password}@${urlHost(pg.host)}:${pg.port}/postgres`;
}
