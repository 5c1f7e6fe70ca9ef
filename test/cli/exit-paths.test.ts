import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../commands/index.js';
import { createCliContext, main } from '../../commands/main.js';
import { runCli } from '../support/cli.js';
import { emptyDir } from '../support/data-dir.js';
import { BIN } from '../support/serve-process.js';

const USAGE_HINT = 'Run `pgcache --help` or `pgcache <command> --help` for usage.';
const COMMANDS_HINT = 'Run `pgcache --help` to see the commands.';

/** A stdout whose every write fails with `code`, as a full disk or a closed pipe does. */
function failingStream(code: string): NodeJS.WriteStream {
  return new Writable({
    write: (_chunk, _encoding, done) =>
      done(Object.assign(new Error(`${code}: write failed`), { code })),
  }) as unknown as NodeJS.WriteStream;
}

/** A stream that keeps what is written to it. */
function collectingStream(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      text += chunk.toString();
      done();
    },
  });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

/** Run the program with the real Node context, its stdout failing with `code`. */
async function runWithFailingStdout(argv: string[], code: string) {
  const stderr = collectingStream();
  const ctx = createCliContext({
    stdout: failingStream(code),
    stderr: stderr.stream,
    stdin: Readable.from([]) as unknown as NodeJS.ReadStream,
    env: {},
    cwd: process.cwd(),
    signal: new AbortController().signal,
  });
  const exitCode = await main(argv, ctx);
  return { exitCode, stderr: stderr.text() };
}

describe('usage errors in nested commands', () => {
  it('migrate subcommands report E_USAGE with a hint and exit 2', async () => {
    const cases: [string[], string][] = [
      [
        ['migrate', 'down', '--to', '-1'],
        `option '--to <version>' argument '-1' is invalid. "-1" is not a whole number from 0 to 1000000`,
      ],
      [['migrate', 'down'], `required option '--to <version>' not specified`],
      [['migrate', 'up', '--bogus'], `unknown option '--bogus'`],
      [['migrate', 'bogus'], `too many arguments for 'status'. Expected 0 arguments but got 1.`],
    ];
    for (const [argv, message] of cases) {
      const run = await runCli(argv);
      expect(run, argv.join(' ')).toMatchObject({
        exitCode: 2,
        stdout: '',
        stderr: `error [E_USAGE] ${message}\nhint: ${USAGE_HINT}\n`,
      });
    }
  });

  it('under --json the error is one JSON document on stderr', async () => {
    const run = await runCli(['migrate', 'status', '--json', '--bogus']);
    expect(run.exitCode).toBe(2);
    expect(run.error()).toEqual({
      code: 'E_USAGE',
      message: `unknown option '--bogus'`,
      hint: USAGE_HINT,
    });
  });

  it('migrate --help and migrate down --help still exit 0 with help on stdout', async () => {
    const run = await runCli(['migrate', 'down', '--help']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('Usage: pgcache migrate down [options]');
    expect(run.stderr).toBe('');
  });
});

describe('help', () => {
  it('bare pgcache prints the help on stderr and exits 2 with E_USAGE', async () => {
    const run = await runCli([]);
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^Usage: pgcache \[options\] \[command\]\n/);
    expect(run.stderr).toMatch(/\nerror \[E_USAGE\] no command given\nhint: .+\n$/);
    expect(run.stderr).toContain(`hint: ${COMMANDS_HINT}`);
  });

  it('help with an unknown command exits 2 and names it; under --json stderr is only the error', async () => {
    const run = await runCli(['help', 'bogus']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(
      `error [E_USAGE] unknown command 'bogus'\nhint: ${COMMANDS_HINT}\n`,
    );
    const json = await runCli(['help', 'bogus', '--json']);
    expect(json.exitCode).toBe(2);
    expect(json.error()).toEqual({
      code: 'E_USAGE',
      message: `unknown command 'bogus'`,
      hint: COMMANDS_HINT,
    });
  });

  it('--help, help and help COMMAND exit 0 with the help on stdout', async () => {
    for (const argv of [['--help'], ['help'], ['help', 'get']]) {
      const run = await runCli(argv);
      expect(run.exitCode, argv.join(' ')).toBe(0);
      expect(run.stdout, argv.join(' ')).toMatch(/^Usage: pgcache /);
      expect(run.stderr, argv.join(' ')).toBe('');
    }
  });
});

describe('which commands a run loads', () => {
  const loaded = async (argv: string[]) => {
    return (await buildProgram(createCliContext(nullStreams()), argv)).commands.map((command) =>
      command.name(),
    );
  };

  it('only the first operand names the command, after global options and their values', async () => {
    expect(await loaded(['get', 'stress'])).toEqual(['get']);
    expect(await loaded(['--data-dir', 'serve', 'get', 'k'])).toEqual(['get']);
    expect(await loaded(['--json', '--timeout', '5s', 'del', 'list'])).toEqual(['del']);
    expect(await loaded(['--data-dir=stress', 'get', 'k'])).toEqual(['get']);
    expect(await loaded(['help', 'migrate'])).toEqual(['migrate']);
  });

  it('every command with none named or an unknown one; none for --version', async () => {
    const all = await loaded([]);
    expect(all).toContain('stress');
    expect(all.length).toBeGreaterThan(5);
    expect(await loaded(['frobnicate', 'get'])).toEqual(all);
    expect(await loaded(['--help'])).toEqual(all);
    expect(await loaded(['--version'])).toEqual([]);
  });
});

describe('a failed write to stdout', () => {
  it('ends with E_OUTPUT_FAILED on stderr and exit 69, never a stack trace', async () => {
    const run = await runWithFailingStdout(['--version'], 'ENOSPC');
    expect(run.exitCode).toBe(69);
    expect(run.stderr).toBe(
      'error [E_OUTPUT_FAILED] cannot write to standard output: ENOSPC: write failed\n' +
        'hint: Free some disk space or send the output elsewhere, then run the command again.\n',
    );
  });

  it('reports it as JSON under --json, after a command ran', async () => {
    const dataDir = join(emptyDir(), 'none');
    const run = await runWithFailingStdout(
      ['migrate', 'status', '--data-dir', dataDir, '--json'],
      'EIO',
    );
    expect(run.exitCode).toBe(69);
    expect(JSON.parse(run.stderr)).toEqual({
      error: {
        code: 'E_OUTPUT_FAILED',
        message: 'cannot write to standard output: EIO: write failed',
        hint: 'Check where standard output goes (a full disk, a closed file), then run the command again.',
      },
    });
  });

  it('a closed pipe (EPIPE) ends quietly with the command’s own exit code', async () => {
    expect(await runWithFailingStdout(['--help'], 'EPIPE')).toEqual({ exitCode: 0, stderr: '' });
  });

  it.skipIf(!existsSync('/dev/full'))(
    'the built bin writing to /dev/full exits 69 with the code on stderr',
    async () => {
      for (const args of ['--version', '--help']) {
        // Through a shell, as a user redirects it: the child itself must see ENOSPC.
        const run = await execa('sh', ['-c', `node "$0" ${args} >/dev/full`, BIN], {
          reject: false,
          timeout: 30_000,
          env: { NO_COLOR: '1' },
        });
        expect(run.exitCode, args).toBe(69);
        expect(run.stderr, args).toBe(
          'error [E_OUTPUT_FAILED] cannot write to standard output: ENOSPC: no space left on device, write\n' +
            'hint: Free some disk space or send the output elsewhere, then run the command again.',
        );
      }
    },
  );
});

describe('the built bin', () => {
  it('a usage error in a nested command is E_USAGE and exit 2, not commander exiting', async () => {
    const run = await execa('node', [BIN, 'migrate', 'down', '--to', '-1'], {
      reject: false,
      timeout: 30_000,
      env: { NO_COLOR: '1' },
    });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(
      /^error \[E_USAGE\] option '--to <version>'.+\nhint: Run `pgcache --help`/,
    );
  });
});

/** Streams for a context that is built but never run. */
function nullStreams() {
  return {
    stdout: collectingStream().stream,
    stderr: collectingStream().stream,
    stdin: Readable.from([]) as unknown as NodeJS.ReadStream,
    env: {},
    cwd: process.cwd(),
    signal: new AbortController().signal,
  };
}
