import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyTemplateDataDir } from '../support/data-dir.js';
import { BIN, pgcache, startServeProcess, type ServeProcess } from '../support/serve-process.js';

const HAS_SCRIPT = (await execa('script', ['--version'], { reject: false })).exitCode === 0;

describe('pgcache stats --watch, run against a live serve', () => {
  let dataDir: string;
  let serve: ServeProcess;

  beforeAll(async () => {
    dataDir = copyTemplateDataDir();
    serve = await startServeProcess(dataDir);
    for (let i = 1; i <= 3; i += 1) {
      const res = await fetch(`${serve.ready.http.url}/v1/entries/app:${i}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ value: i }),
      });
      expect(res.status).toBe(200);
    }
  });
  afterAll(async () => {
    serve.child.kill('SIGTERM');
    await serve.child;
  });

  it('piped: a header, then one line per interval from the owner, until Ctrl-C (exit 0)', async () => {
    const watch = pgcache(['stats', '--data-dir', dataDir, '--watch', '--interval', '100ms']);
    let out = '';
    await new Promise<void>((resolve) => {
      watch.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.split('\n').length > 4) resolve();
      });
      void watch.then(() => resolve());
    });
    watch.kill('SIGINT');
    const result = await watch;
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    const [header, ...lines] = result.stdout.split('\n');
    expect(header?.trim().split(/\s+/)).toEqual([
      'time',
      'get/s',
      'set/s',
      'del/s',
      'list/s',
      'other/s',
      'l1',
      'hit%',
      'l2',
      'hit%',
      'l3',
      'hit%',
      'queue',
      'wait95',
      'breakers',
      'conns',
      'entries',
      'bytes',
      'rss',
      'holder',
    ]);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) {
      // time, five rates, three ratios, queue, wait, breakers, connections, then 3 entries.
      expect(line).toMatch(
        /^\d\d:\d\d:\d\d( +\d+(\.\d)?){5}( +(-|\d+\.\d%)){3} +0 +\d+\.\d\dms +ok +\d+ +3 +/,
      );
    }
  });

  it('piped into `head -3`: stops once the reader is gone, exit 0', async () => {
    const run = await execa(
      'bash',
      [
        '-c',
        `node ${BIN} stats --data-dir ${dataDir} --watch --interval 100ms | head -3; echo "pgcache exit \${PIPESTATUS[0]}" >&2`,
      ],
      { reject: false, timeout: 60_000, env: { NO_COLOR: '1' } },
    );
    expect(run.timedOut).toBe(false);
    expect(run.stdout.split('\n')).toHaveLength(3);
    expect(run.stderr).toBe('pgcache exit 0');
  });

  it('refuses --interval without --watch, and --watch with --json (exit 2)', async () => {
    const interval = await pgcache(['stats', '--data-dir', dataDir, '--interval', '1s']);
    expect([interval.exitCode, interval.stderr]).toEqual([2, expect.stringContaining('--watch')]);
    const json = await pgcache(['stats', '--data-dir', dataDir, '--watch', '--json']);
    expect(json.exitCode).toBe(2);
    expect(json.stderr).toContain('E_USAGE');
  });

  it.skipIf(!HAS_SCRIPT)(
    'on a terminal: a screen redrawn in place, the terminal given back at the end',
    async () => {
      // A pseudo-terminal 100 columns wide (one of no size is no terminal for pgcache).
      const command = `stty cols 100 rows 30; node ${BIN} stats --data-dir ${dataDir} --watch --interval 100ms --count 2`;
      const run = await execa('script', ['-qec', command, '/dev/null'], {
        reject: false,
        timeout: 60_000,
        env: { TERM: 'xterm', CI: '' },
      });
      expect(run.exitCode).toBe(0);
      const out = run.stdout;
      expect(out.startsWith('\u001b[?1049h\u001b[?25l')).toBe(true);
      expect(out.endsWith('\u001b[?25h\u001b[?1049l')).toBe(true);
      // Two frames, each from the top-left corner, never a clear-screen (no flicker).
      expect(out.split('\u001b[H')).toHaveLength(3);
      expect(out).not.toContain('\u001b[2J');
      expect(out).toContain(`owner:         pid ${serve.ready.pid} (pgcache serve)`);
      expect(out).toMatch(/entries: +3 \(3 B of /);
    },
  );
});
