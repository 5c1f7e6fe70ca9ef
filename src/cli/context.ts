import type { Clock } from '../clock.js';
import type { Host } from '../platform/host.js';
import type { OpenStoreOptions } from '../store/open-store.js';
import type { Store } from '../store/store.js';

/** A stream the CLI writes to. */
export interface OutputStream {
  write(text: string): void;
  /** True on a real terminal. */
  readonly isTTY?: boolean | undefined;
  /** Terminal width; 0 or undefined when unknown. */
  readonly columns?: number | undefined;
  /** True once the reader has gone (`| head` closed the pipe): later writes are dropped. */
  readonly closed?: boolean;
}

/**
 * Everything a command reaches the outside world through. `bin/pgcache.js` builds it from the
 * process; tests build one with string buffers and run the real program in-process.
 */
export interface CliContext {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** Read all of standard input (for `set KEY -`). */
  readonly readStdin: () => Promise<string>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly clock: Clock;
  readonly host: Host;
  /** Aborted on SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
  /** How commands open the store (tests may wrap it, e.g. to inject faults). */
  readonly openStore: (options: OpenStoreOptions) => Promise<Store>;
  /** The exit code the process ends with; commands set it for a "no". */
  exitCode: number;
  /**
   * Set by a command for which SIGINT/SIGTERM is the normal way to end (`serve`): it shut down
   * cleanly, so the run ends with `exitCode` rather than 130.
   */
  interruptHandled?: boolean;
}
