import autocannon from 'autocannon';
import type { Clock, Timer } from '../../clock.js';
import { UsageError } from '../../errors/index.js';
import { shouldBail, type LoadShape, type StopReason } from './load-model.js';
import type { StoreTuning } from './load-source.js';
import type { OperationType } from '../judging/metrics.js';
import type { ScenarioRecorder } from './recorder.js';
import type {
  HttpFigures,
  RemoteDriveDeps,
  RemoteDriveResult,
  RemoteLoadRequest,
} from './remote-load.js';
import type { RemoteDriver } from './remote-source.js';
import { Workload } from './workload.js';

/** How {@link HttpDriver} reaches `serve`. */
export interface HttpDriverOptions {
  /** serve's HTTP API, read at each load (serve may have restarted on new ports). */
  readonly url: () => string;
  /** The bearer token serve requires, if any. */
  readonly token?: string | undefined;
  /** TTL of the entries the load writes. @default 3600000 */
  readonly ttlMs?: number;
  /** How long a request may go unanswered before it counts as timed out. @default 30000 */
  readonly timeoutMs?: number;
  readonly clock: Clock;
}

/** Failure codes of requests that got no answer. */
export const HTTP_TIMEOUT = 'E_HTTP_TIMEOUT';
export const HTTP_CONNECTION = 'E_HTTP_CONNECTION';

// autocannon 8 has `warmup`; its types (7.x) do not.
type Options = autocannon.Options & {
  warmup?: { connections: number; duration: number; amount?: undefined };
};

/**
 * Drives serve's HTTP API with autocannon (closed model: one request at a time per connection,
 * as many connections as the scenario has callers): `GET /v1/entries/KEY` for reads and `PUT`
 * for writes, drawn from the scenario's workload. Each response is recorded with the time
 * autocannon measured for it (`process.hrtime`, fractions of a millisecond), a read of an absent
 * key (404) as a successful read, and any other status under the error code of its body — so
 * the same targets judge it. autocannon's own summary, in whole milliseconds, goes in the report.
 */
export class HttpDriver implements RemoteDriver {
  readonly #options: HttpDriverOptions;
  // The response being recorded: autocannon calls the request's onResponse, then emits
  // `response` with its time, synchronously, one after the other.
  #last: { type: OperationType; body: string } | undefined;

  constructor(options: HttpDriverOptions) {
    this.#options = options;
  }

  async drive(
    request: RemoteLoadRequest,
    _tuning: StoreTuning | undefined,
    recorder: ScenarioRecorder,
    deps: RemoteDriveDeps,
  ): Promise<RemoteDriveResult> {
    const { shape } = request;
    if (shape.model === 'open') {
      throw new UsageError('an HTTP load cannot follow a schedule (--rate)', {
        hint: 'autocannon keeps each connection busy; leave out --rate with --http.',
      });
    }
    const url = this.#options.url();
    if (deps.signal?.aborted === true) {
      return { stoppedBy: 'aborted', detail: { kind: 'http', url, autocannon: NOTHING } };
    }
    const workload = new Workload(request.workload.options, request.workload);
    let stoppedBy: StopReason | undefined;
    let lastNs: number | undefined;
    const options = this.#autocannonOptions(url, shape, workload);
    // Without a callback autocannon returns its tracker, which is also a promise of the result.
    const instance = autocannon(options) as unknown as autocannon.Instance &
      PromiseLike<autocannon.Result>;
    const stop = (why: StopReason): void => {
      stoppedBy ??= why;
      instance.stop();
    };
    const onAbort = (): void => stop('aborted');
    deps.signal?.addEventListener('abort', onAbort, { once: true });
    const record = (outcome: () => void): void => {
      outcome();
      lastNs = deps.now();
      if (shouldBail(recorder, deps.bailAfterFailures)) stop('bailout');
    };
    instance.on('start', () => {
      recorder.begin(deps.now());
      deps.onMeasuring?.();
    });
    instance.on('response', (_client, status, _bytes, ms) =>
      record(() => this.#recordResponse(recorder, status, ms)),
    );
    instance.on('reqError', (error: Error) =>
      record(() =>
        recorder.fail(error.message === 'request timed out' ? HTTP_TIMEOUT : HTTP_CONNECTION),
      ),
    );
    // With both bounds autocannon counts requests; the duration is ours to enforce.
    let timer: Timer | undefined;
    if (shape.ops !== undefined && shape.durationMs !== undefined) {
      const after = shape.durationMs + (shape.warmupMs ?? 0);
      timer = this.#options.clock.setTimer(after, () => stop('duration'), { background: true });
    }
    try {
      const result = await instance;
      recorder.end(lastNs ?? deps.now());
      return {
        stoppedBy: stoppedBy ?? (shape.ops === undefined ? 'duration' : 'ops'),
        detail: { kind: 'http', url, autocannon: figures(result) },
      };
    } finally {
      timer?.cancel();
      deps.signal?.removeEventListener('abort', onAbort);
    }
  }

  #autocannonOptions(
    url: string,
    shape: Extract<LoadShape, { model: 'closed' }>,
    workload: Workload,
  ): Options {
    const connections = Math.max(1, Math.min(shape.concurrency, shape.ops ?? Infinity));
    const { token, timeoutMs } = this.#options;
    return {
      url,
      connections,
      pipelining: 1,
      // autocannon notices the end of a load at its next sample: sample often.
      sampleInt: 100,
      timeout: Math.ceil((timeoutMs ?? 30_000) / 1000),
      ...(shape.ops === undefined
        ? { duration: (shape.durationMs ?? 0) / 1000 }
        : { amount: shape.ops }),
      // The warm-up is a run of its own before the measured one, bounded by time alone.
      ...(shape.warmupMs === undefined || shape.warmupMs <= 0
        ? {}
        : { warmup: { connections, duration: shape.warmupMs / 1000, amount: undefined } }),
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      requests: [this.#request(workload)],
    };
  }

  #request(workload: Workload): autocannon.Request {
    const ttl = this.#options.ttlMs ?? 3_600_000;
    return {
      setupRequest: (request, context) => {
        const op = workload.next();
        (context as { type?: OperationType }).type = op.type;
        const path = `/v1/entries/${encodeURIComponent(op.key)}`;
        if (op.type === 'read') return { ...request, method: 'GET', path, body: '' };
        return {
          ...request,
          method: 'PUT',
          path,
          headers: { ...request.headers, 'content-type': 'application/json' },
          body: JSON.stringify({ value: op.value, ttl }),
        };
      },
      onResponse: (_status, body, context) => {
        this.#last = { type: (context as { type?: OperationType }).type ?? 'read', body };
      },
    };
  }

  #recordResponse(recorder: ScenarioRecorder, status: number, ms: number): void {
    const last = this.#last;
    this.#last = undefined;
    const type = last?.type ?? 'read';
    if ((status >= 200 && status < 300) || (status === 404 && type === 'read')) {
      recorder.success(type, ms * 1e6);
      return;
    }
    recorder.fail(errorCodeOf(last?.body, status));
  }
}

/** The pgcache error code in an error response's body, or `E_HTTP_<status>`. */
export function errorCodeOf(body: string | undefined, status: number): string {
  try {
    const code = (JSON.parse(body ?? '') as { error?: { code?: unknown } }).error?.code;
    if (typeof code === 'string' && /^E_[A-Z_]+$/.test(code)) return code;
  } catch {
    // not JSON: fall through
  }
  return `E_HTTP_${status}`;
}

const NOTHING: HttpFigures = {
  requests: 0,
  '2xx': 0,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
  latencyMs: { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 },
};

function figures(result: autocannon.Result): HttpFigures {
  const l = result.latency;
  return {
    requests: result['2xx'] + result.non2xx,
    '2xx': result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: { p50: l.p50, p90: l.p90, p99: l.p99, max: l.max, mean: l.average },
  };
}
