import { execa, type ResultPromise } from 'execa';

/**
 * One interactive `psql` session driven through its stdin: each `run` sends statements and
 * waits for their output (up to an `\echo` marker), so that two sessions can be interleaved.
 */
export class PsqlSession {
  readonly #child: ResultPromise;
  #out = '';
  #waiters: (() => void)[] = [];
  #next = 0;
  #exited = false;

  constructor(env: Readonly<Record<string, string>>) {
    this.#child = execa('psql', ['-AtX', '-v', 'ON_ERROR_STOP=0', '-v', 'VERBOSITY=verbose'], {
      env,
      reject: false,
      timeout: 60_000,
      all: true,
      stdin: 'pipe',
    });
    const wake = (): void => {
      for (const resolve of this.#waiters.splice(0)) resolve();
    };
    this.#child.all?.on('data', (chunk: Buffer) => {
      this.#out += chunk.toString('utf8');
      wake();
    });
    void this.#child.then(() => {
      this.#exited = true;
      wake();
    });
  }

  /** Run `sql` (one or more statements, or psql commands); resolves to the lines it printed. */
  async run(sql: string): Promise<string[]> {
    const marker = `--done-${(this.#next += 1)}--`;
    this.#child.stdin?.write(`${sql}\n\\echo ${marker}\n`);
    for (;;) {
      const at = this.#out.indexOf(`${marker}\n`);
      if (at >= 0) {
        const lines = this.#out
          .slice(0, at)
          .split('\n')
          .filter((l) => l !== '');
        this.#out = this.#out.slice(at + marker.length + 1);
        return lines;
      }
      if (this.#exited) throw new Error(`psql exited; it printed: ${this.#out}`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** End the session (psql exits at the end of its input). */
  async close(): Promise<void> {
    this.#child.stdin?.end();
    await this.#child;
  }
}
