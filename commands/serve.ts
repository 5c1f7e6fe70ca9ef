import { Command, Option } from 'commander';
import type { CliContext } from '../src/cli/context.js';
import { bytesArg, durationArg, integerArg, type GlobalFlags } from '../src/cli/flags.js';
import { JSON_SCHEMA_VERSION } from '../src/cli/json-output.js';
import { originArg } from '../src/cli/tier-flags.js';
import { commandConfig, warn } from '../src/cli/with-store.js';
import { assertValidConfig, type PgcacheConfig } from '../src/config/load-config.js';
import { formatDuration } from '../src/config/units.js';
import { ConfigError, StoreLockedError, UsageError } from '../src/errors/index.js';
import { isLoopback, startServe, type ServeEndpoints } from '../src/serve/serve.js';
import type { Store } from '../src/store/store.js';
import { STRATEGY_NAMES } from '../src/tiers/strategy-name.js';
import { COMMAND_BUDGET_MS } from './budgets.js';

interface ServeFlags extends GlobalFlags {
  host?: string;
  pgPort?: number;
  httpPort?: number;
  socket?: string;
  token?: string;
  maxConnections?: number;
  idleTransactionTimeout?: number;
  hangTimeout?: number;
  maxCopy?: number;
  idleExit?: number;
  outboxFlush?: number;
  publicHealth?: boolean;
}

/** `pgcache serve`: own the data directory and serve it over the Postgres wire protocol and HTTP. */
export function serveCommand(ctx: CliContext): Command {
  return new Command('serve')
    .description(
      'own the data directory for a long-lived process: Postgres wire endpoint and HTTP API; other commands go through it',
    )
    .option('--host <address>', 'address to listen on (default 127.0.0.1; others need --token)')
    .option(
      '--pg-port <port>',
      'Postgres wire port (0 picks a free one, the default)',
      integerArg(0, 65_535),
    )
    .option(
      '--http-port <port>',
      'HTTP API port (0 picks a free one, the default)',
      integerArg(0, 65_535),
    )
    .option('--socket <path>', 'also accept wire clients on this unix socket')
    .option(
      '--token <token>',
      'bearer token for HTTP, password for wire clients (env PGCACHE_TOKEN)',
    )
    .option('--public-health', 'answer GET /healthz without the token (for load balancers)')
    .option('--max-connections <n>', 'wire clients at once (default 100)', integerArg(1, 10_000))
    .option(
      '--idle-transaction-timeout <duration>',
      'longest a wire client may stay idle inside a transaction (default 2s)',
      durationArg,
    )
    .option(
      '--hang-timeout <duration>',
      'a wire statement holding the session this long while others wait gets a hang check (default 30s)',
      durationArg,
    )
    .option(
      '--max-copy <size>',
      'largest COPY … FROM STDIN a wire client may send (default 64MB)',
      bytesArg,
    )
    .option(
      '--idle-exit <duration>',
      'exit after this long with no client and no request',
      durationArg,
    )
    .option(
      '--origin <url>',
      'origin (L3) of HTTP reads and writes, e.g. https://host/{framework}/{name}.json (env PGCACHE_ORIGIN)',
      originArg,
    )
    .addOption(
      new Option(
        '--strategy <name>',
        'caching strategy of HTTP reads and writes (env PGCACHE_STRATEGY)',
      ).choices(STRATEGY_NAMES),
    )
    .option(
      '--grace <duration>',
      'serve an entry expired less than this long ago while the origin fails (env PGCACHE_GRACE)',
      durationArg,
    )
    .option(
      '--outbox-flush <duration>',
      'how often to send the write-behind outbox to the origin (default 1s; 0s = on shutdown only)',
      durationArg,
    )
    .action(async (_flags: unknown, cmd: Command) => {
      await runServe(ctx, cmd.optsWithGlobals<ServeFlags>());
    });
}

async function runServe(ctx: CliContext, flags: ServeFlags): Promise<void> {
  const config = assertValidConfig(commandConfig(ctx, flags, COMMAND_BUDGET_MS.serve));
  checkServeConfig(config);
  const store = await ctx
    .openStore({
      config,
      migrations: 'require',
      create: false,
      applicationName: 'pgcache serve',
      // Wire clients run their own SQL: a long or hostile statement must not stop HTTP or health.
      thread: true,
      clock: ctx.clock,
      host: ctx.host,
      onWarning: (message) => warn(ctx, message),
    })
    .catch((error: unknown) => {
      throw alreadyServed(error) ?? error;
    });
  try {
    await serveUntilStopped(ctx, store, config, flags);
  } finally {
    // Drains the queue within its deadline, saves the breaker, closes PGlite, releases the lock.
    await store.close();
  }
  ctx.stderr.write('stopped\n');
}

async function serveUntilStopped(
  ctx: CliContext,
  store: Store,
  config: PgcacheConfig,
  flags: ServeFlags,
): Promise<void> {
  const json = flags.json === true;
  let onIdle: () => void = () => undefined;
  const stopped = new Promise<'signal' | 'idle'>((resolve) => {
    onIdle = () => resolve('idle');
    if (ctx.signal.aborted) resolve('signal');
    ctx.signal.addEventListener('abort', () => resolve('signal'), { once: true });
  });
  const s = config.serve;
  const handle = await startServe(store, {
    host: s.host,
    pgPort: s.pgPort,
    httpPort: s.httpPort,
    socketPath: s.socket,
    token: s.token,
    publicHealth: flags.publicHealth === true,
    maxConnections: s.maxConnections,
    idleTransactionTimeoutMs: s.idleTransactionTimeoutMs,
    hangTimeoutMs: s.hangTimeoutMs,
    maxCopyBytes: s.maxCopyBytes,
    requestTimeoutMs: config.timeoutMs,
    maxBodyBytes: 2 * config.maxEntryBytes + 65_536,
    idleExitMs: s.idleExitMs,
    onIdle: () => onIdle(),
    clock: ctx.clock,
    tiers: { config, env: ctx.env, onWarning: (message) => warn(ctx, message) },
    namespaces: config.namespaces,
    outboxFlushMs: s.outboxFlushMs,
  });
  ctx.stdout.write(readyLine(json, ctx.host.pid, store.describe().location, handle.endpoints));
  if (!isLoopback(s.host)) {
    warn(
      ctx,
      `listening on ${s.host}: every HTTP request${flags.publicHealth === true ? ' but /healthz' : ''} needs "Authorization: Bearer <token>" and every wire client the token as its password; neither is encrypted, so use a trusted network or a TLS tunnel`,
    );
  }
  const why = await stopped;
  ctx.interruptHandled = true;
  ctx.stderr.write(
    why === 'idle'
      ? `nobody connected for ${formatDuration(s.idleExitMs)}: shutting down\n`
      : 'shutting down: no new connections; finishing what is running (a second signal stops at once)\n',
  );
  await handle.close();
}

// Another serve owns the directory: say where it is rather than "run pgcache serve".
function alreadyServed(error: unknown): StoreLockedError | undefined {
  if (!(error instanceof StoreLockedError)) return undefined;
  const http = error.owner.endpoints?.http;
  if (http === undefined) return undefined;
  return new StoreLockedError(
    `pid ${error.owner.pid} already serves this data directory (${http.url})`,
    error.owner,
    {
      hint: 'Use that serve (other commands go through it), or stop it first.',
    },
  );
}

function checkServeConfig(config: PgcacheConfig): void {
  const s = config.serve;
  if (!isLoopback(s.host) && s.token === undefined) {
    throw new UsageError(`serving on ${s.host} (not loopback) requires --token`, {
      hint: 'Pass --token (or PGCACHE_TOKEN), or keep the default --host 127.0.0.1.',
    });
  }
  if (config.databaseUrl === undefined && s.idleTransactionTimeoutMs >= config.operationTimeoutMs) {
    throw new ConfigError(
      `serve.idleTransactionTimeoutMs (${formatDuration(s.idleTransactionTimeoutMs)}) must be shorter than operationTimeoutMs (${formatDuration(config.operationTimeoutMs)})`,
      {
        hint: 'While a wire client sits in a transaction the store waits; lower --idle-transaction-timeout or raise --operation-timeout.',
      },
    );
  }
}

/** The one line `serve` prints on stdout once it accepts connections. */
export function readyLine(
  json: boolean,
  pid: number,
  location: string,
  endpoints: ServeEndpoints,
): string {
  if (json) {
    return `${JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, event: 'ready', pid, ...endpoints })}\n`;
  }
  const pg = endpoints.pg === null ? '' : `postgres://${endpoints.pg.host}:${endpoints.pg.port}, `;
  return `serving ${location} (pid ${pid}): ${pg}${endpoints.http.url}\n`;
}
