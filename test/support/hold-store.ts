import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';

/** The script that opens a store in a child process and keeps it open (see its header). */
const HOLDER = join(import.meta.dirname, 'bin/hold-store.mjs');

/** A child process owning a data directory, started by `startHolder`. */
export interface Holder {
  /** Its pid, from its ready line. */
  readonly pid: number;
  /** The child: end its stdin (or send SIGTERM) to have it close the store and exit. */
  readonly child: ResultPromise;
}

/**
 * Start support/bin/hold-store.mjs on `dataDir` (stdin piped) and wait for its
 * "ready <pid>" line. `control: false` opens the store without its control socket; `reject`
 * (default false) and `timeout` (default none) go to execa.
 */
export async function startHolder(
  dataDir: string,
  options: { reject?: boolean; timeout?: number; control?: boolean } = {},
): Promise<Holder> {
  const args = options.control === false ? [HOLDER, dataDir, '--no-control'] : [HOLDER, dataDir];
  const child = execa('node', args, {
    stdin: 'pipe',
    reject: options.reject ?? false,
    ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
  });
  const ready = await new Promise<string>((resolve) =>
    child.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString())),
  );
  return { pid: Number(/ready (\d+)/.exec(ready)?.[1]), child };
}
