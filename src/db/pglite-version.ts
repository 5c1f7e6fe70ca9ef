/** The PGlite version pgcache is built and tested against (pinned to match pglite-socket). */
export const PGLITE_VERSION = '0.5.14';
