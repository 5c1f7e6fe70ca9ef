import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** The fixtures served, in a GitHub-like layout: `<framework>/<name>.json`. */
export const ORIGIN_FIXTURES = join(import.meta.dirname, '../../fixtures/origin');

/** One request the origin received. */
export interface OriginRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/**
 * A real HTTP origin on a free loopback port (node:http), serving the fixtures and whatever was
 * PUT to it. Tests tell it to fail, to hold requests until released, and read what it received.
 */
export class TestOrigin {
  readonly requests: OriginRequest[] = [];
  /** Bodies PUT so far, by path (served back by GET). */
  readonly stored = new Map<string, string>();
  #failWith: number | 'reset' | undefined;
  #holding = false;
  #held: (() => void)[] = [];
  #onRequest: ((request: OriginRequest) => void) | undefined;
  readonly #server = createServer((req, res) => void this.#handle(req, res));

  /** Start on `port` (default: a free one); `onRequest` sees each request as it arrives. */
  static async start(
    options: { port?: number; onRequest?: (request: OriginRequest) => void } = {},
  ): Promise<TestOrigin> {
    const origin = new TestOrigin();
    origin.#onRequest = options.onRequest;
    await new Promise<void>((resolve) =>
      origin.#server.listen(options.port ?? 0, '127.0.0.1', resolve),
    );
    return origin;
  }

  /** `http://127.0.0.1:<port>`. */
  get base(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** The URL template of this origin: `<base>/{framework}/{name}.json`. */
  get template(): string {
    return `${this.base}/{framework}/{name}.json`;
  }

  /** Requests received, of `method` if given. */
  count(method?: string): number {
    return this.requests.filter((r) => method === undefined || r.method === method).length;
  }

  /** Answer every request with this status, or drop the connection (`'reset'`); `undefined` heals. */
  failWith(status: number | 'reset' | undefined): void {
    this.#failWith = status;
  }

  /** Hold every request from now on, unanswered, until {@link release}. */
  hold(): void {
    this.#holding = true;
  }

  /** Answer the held requests and stop holding. */
  release(): void {
    this.#holding = false;
    for (const answer of this.#held.splice(0)) answer();
  }

  /** Stop listening and drop open connections. */
  async close(): Promise<void> {
    this.release();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = new URL(req.url ?? '/', this.base).pathname;
    const request = {
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      body: Buffer.concat(chunks).toString(),
    };
    this.requests.push(request);
    this.#onRequest?.(request);
    if (this.#holding) await new Promise<void>((resolve) => this.#held.push(resolve));
    if (this.#failWith === 'reset') {
      req.socket.destroy();
      return;
    }
    if (this.#failWith !== undefined) {
      res.writeHead(this.#failWith).end('{"error":"scripted"}');
      return;
    }
    if (request.method === 'PUT') {
      this.stored.set(path, request.body);
      res.writeHead(204).end();
      return;
    }
    const body =
      this.stored.get(path) ??
      (await readFile(join(ORIGIN_FIXTURES, path), 'utf8').catch(() => undefined));
    if (body === undefined) res.writeHead(404).end('{"error":"not found"}');
    else res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  }
}
