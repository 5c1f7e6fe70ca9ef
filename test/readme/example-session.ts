import { type ChildProcess, spawn } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from '../support/free-port.js';
import { TestOrigin } from '../support/test-origin.js';

const ROOT = resolve(import.meta.dirname, '../..');
/** Ports the README's examples use, each replaced by a free one in a run. */
const README_PORTS = [5433, 8080, 8081, 8787] as const;
const STEP_DEADLINE_MS = 120_000;

/** What a session needs from the test run. */
export interface ExampleSessionOptions {
  /** Where the session's directories go (removed by the run). */
  readonly runDir: string;
  /** A migrated data directory to copy for `@template`. */
  readonly templateDataDir: string;
  /**
   * Text the README shows and what a run uses instead (e.g. the README's PostgreSQL address and
   * the test server's): replaced in commands, and back in what they print.
   */
  readonly replacements?: readonly (readonly [shown: string, real: string])[];
}

/**
 * One README session: a scratch directory shown as /srv/NAME, a `pgcache` (and `npx pgcache`) on
 * the PATH that runs this checkout's bin, exports that persist from one command to the next, and
 * `cmd &` / `kill %N` jobs as in an interactive shell.
 */
export class ExampleSession {
  readonly #cwd: string;
  readonly #shownAs: string;
  readonly #env: Record<string, string>;
  readonly #templateDataDir: string;
  readonly #exports: string[] = [];
  readonly #jobs: Job[] = [];
  readonly #ports = new Map<number, number>();
  readonly #replacements: readonly (readonly [string, string])[];
  #origin: TestOrigin | undefined;

  private constructor(
    name: string,
    cwd: string,
    env: Record<string, string>,
    options: ExampleSessionOptions,
  ) {
    this.#cwd = cwd;
    this.#shownAs = `/srv/${name}`;
    this.#env = env;
    this.#templateDataDir = options.templateDataDir;
    this.#replacements = options.replacements ?? [];
  }

  static async open(name: string, options: ExampleSessionOptions): Promise<ExampleSession> {
    const base = join(options.runDir, 'readme', name);
    const cwd = join(base, 'srv', name);
    const bin = join(base, 'bin');
    mkdirSync(cwd, { recursive: true });
    mkdirSync(bin, { recursive: true });
    shim(bin, 'pgcache', `exec node ${JSON.stringify(join(ROOT, 'bin/pgcache.js'))} "$@"`);
    shim(
      bin,
      'npx',
      `if [ "$1" = pgcache ]; then shift; exec pgcache "$@"; fi\nexec ${JSON.stringify(join(ROOT, 'node_modules/.bin/npx'))} "$@"`,
    );
    const env = {
      PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
      HOME: base,
      LANG: 'C.UTF-8',
      TZ: 'UTC',
      // The run's clock: under faketime (the suite is checked with the date moved) the commands
      // must see the date the template was created on.
      ...Object.fromEntries(
        Object.entries(process.env).filter(
          (e): e is [string, string] =>
            /^(LD_PRELOAD|FAKETIME\w*|DONT_FAKE_MONOTONIC)$/.test(e[0]) && e[1] !== undefined,
        ),
      ),
    };
    const session = new ExampleSession(name, realpathSync(cwd), env, options);
    for (const port of README_PORTS) session.#ports.set(port, await freePort());
    return session;
  }

  /** The session's directory (shown as /srv/NAME). */
  get cwd(): string {
    return this.#cwd;
  }

  /**
   * Run one README command line and return what it printed, as the README would show it. A
   * setup command may also be a directive: `@template` copies the migrated template to
   * ./.pgcache; `@origin` starts an HTTP origin on the README's port 8787 serving
   * fixtures/origin, logging each request to ./origin.log and answering with the status in
   * ./origin-fails while that file exists; `@node-modules` lets scripts import pgcache and its
   * dependencies.
   */
  async run(line: string): Promise<string> {
    switch (line) {
      case '@template':
        cpSync(this.#templateDataDir, join(this.#cwd, '.pgcache'), { recursive: true });
        return '';
      case '@origin':
        await this.#startOrigin();
        return '';
      case '@node-modules':
        linkNodeModules(this.#cwd);
        return '';
    }
    const command = this.#toRun(line);
    if (/^export \w+=/.test(command)) this.#exports.push(command);
    const kill = /^kill (?:-(\w+) )?%(\d+)$/.exec(command);
    if (kill !== null) return this.#show(await this.#stopJob(Number(kill[2]), kill[1]));
    if (command.endsWith(' &')) return this.#show(await this.#startJob(command.slice(0, -2)));
    const job = new Job(this.#spawn(command));
    return this.#show(await job.exited());
  }

  /** Stop every job still running, and the origin. */
  async close(): Promise<void> {
    await Promise.all(this.#jobs.map(async (job) => job.stop()));
    await this.#origin?.close();
  }

  async #startOrigin(): Promise<void> {
    const failSwitch = join(this.#cwd, 'origin-fails');
    const origin = await TestOrigin.start({
      port: this.#ports.get(8787) ?? 0,
      onRequest: (request) => {
        appendFileSync(
          join(this.#cwd, 'origin.log'),
          `${request.method} ${request.path} ${request.body}\n`,
        );
        origin.failWith(
          existsSync(failSwitch) ? Number(readFileSync(failSwitch, 'utf8')) : undefined,
        );
      },
    });
    this.#origin = origin;
  }

  #toRun(line: string): string {
    let out = line;
    for (const [shown, real] of this.#replacements) out = out.replaceAll(shown, real);
    for (const [shown, real] of this.#ports) out = out.replaceAll(String(shown), String(real));
    return out.replaceAll(this.#shownAs, this.#cwd);
  }

  #show(output: string): string {
    let out = output.replaceAll(this.#cwd, this.#shownAs);
    for (const [shown, real] of this.#replacements) out = out.replaceAll(real, shown);
    for (const [shown, real] of this.#ports) {
      out = out.replace(new RegExp(`(?<=[:\\s])${real}\\b`, 'g'), String(shown));
    }
    // A terminal shows no carriage returns (HTTP headers end in CRLF).
    return out.replaceAll('\r', '').replace(/\n$/, '');
  }

  /** bash in a process group of its own, so that a job's signal reaches its whole pipeline. */
  #spawn(command: string): ChildProcess {
    const script = ['exec 2>&1', ...this.#exports, command].join('\n');
    return spawn('bash', ['-c', script], {
      cwd: this.#cwd,
      env: this.#env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
  }

  async #startJob(command: string): Promise<string> {
    const job = new Job(this.#spawn(command));
    this.#jobs.push(job);
    return job.firstLine();
  }

  async #stopJob(n: number, signal = 'TERM'): Promise<string> {
    const job = this.#jobs[n - 1];
    if (job === undefined) throw new Error(`kill %${n}: no such job`);
    return job.stop(/^\d+$/.test(signal) ? Number(signal) : (`SIG${signal}` as NodeJS.Signals));
  }
}

/** A running command whose output is read in pieces: its first line, then the rest at exit. */
class Job {
  readonly #child: ChildProcess;
  #output = '';
  #taken = 0;
  readonly #exit: Promise<void>;
  #onData: (() => void) | undefined;

  constructor(child: ChildProcess) {
    this.#child = child;
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.#output += chunk;
      this.#onData?.();
    });
    this.#exit = new Promise((done) => child.once('close', () => done()));
  }

  async exited(): Promise<string> {
    await withDeadline(this.#exit, 'a README command');
    return this.#take();
  }

  async firstLine(): Promise<string> {
    const ready = new Promise<void>((done) => {
      this.#onData = () => this.#output.includes('\n') && done();
      this.#onData();
    });
    await withDeadline(Promise.race([ready, this.#exit]), 'a background command to print a line');
    this.#onData = undefined;
    const end = this.#output.indexOf('\n') + 1;
    this.#taken = end;
    return this.#output.slice(0, end);
  }

  /** Signal the job's process group (as `kill %N` does) and return what it printed since. */
  async stop(signal: NodeJS.Signals | number = 'SIGTERM'): Promise<string> {
    const pid = this.#child.pid;
    if (pid !== undefined && this.#child.exitCode === null && this.#child.signalCode === null) {
      try {
        process.kill(-pid, signal);
      } catch {
        // Already gone.
      }
    }
    return this.exited();
  }

  #take(): string {
    const rest = this.#output.slice(this.#taken);
    this.#taken = this.#output.length;
    return rest;
  }
}

async function withDeadline<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`waited ${STEP_DEADLINE_MS} ms for ${what}`)),
      STEP_DEADLINE_MS,
    );
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** ./node_modules with pgcache (this checkout) and every package it has installed. */
function linkNodeModules(cwd: string): void {
  const target = join(cwd, 'node_modules');
  mkdirSync(target, { recursive: true });
  symlinkSync(ROOT, join(target, 'pgcache'));
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name !== '.bin' && name !== 'pgcache')
      symlinkSync(join(ROOT, 'node_modules', name), join(target, name));
  }
}

function shim(dir: string, name: string, body: string): void {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
}
