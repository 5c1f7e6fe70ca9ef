import { sleep } from '../clock.js';
import type { StatsReport } from '../operations/stats-report.js';
import { watchHeader, watchLine, watchSample, watchScreen } from './render/stats-watch.js';
import type { CliContext, OutputStream } from './context.js';
import type { TerminalFeatures } from './terminal.js';

/** What `stats --watch` is given. */
export interface StatsWatchOptions {
  readonly intervalMs: number;
  /** Stop after this many intervals; until Ctrl-C when undefined. */
  readonly count?: number | undefined;
  readonly term: TerminalFeatures;
}

// Alternate screen and hidden cursor while watching; each frame starts at the top-left corner,
// clears each line's end and the rest of the screen (overwriting, never clearing first: no
// flicker).
const ENTER = '\u001b[?1049h\u001b[?25l';
const LEAVE = '\u001b[?25h\u001b[?1049l';
const HOME = '\u001b[H';
const LINE_END = '\u001b[K';
const SCREEN_END = '\u001b[J';

/**
 * Show `read()`'s figures every interval until `count` intervals or Ctrl-C (which ends the
 * command normally): one line per interval when piped, a screen redrawn in place on a terminal,
 * which is given back as it was, whatever happens.
 */
export async function watchStats(
  ctx: CliContext,
  read: () => Promise<StatsReport>,
  options: StatsWatchOptions,
): Promise<void> {
  const screen = options.term.interactive;
  const out = ctx.stdout;
  if (screen) out.write(ENTER);
  else out.write(watchHeader());
  try {
    let previous: StatsReport | undefined;
    for (let shown = 0; options.count === undefined || shown < options.count; shown += 1) {
      // The reader went away (`| head -3`): nobody is watching.
      if (out.closed === true) break;
      if (shown > 0 && !(await waitFor(ctx, options.intervalMs))) break;
      const current = await read();
      const sample = watchSample(previous, current);
      previous = current;
      if (screen) drawFrame(out, watchScreen(sample, options.intervalMs));
      else out.write(watchLine(sample));
      if (ctx.signal.aborted) break;
    }
  } finally {
    if (screen) out.write(LEAVE);
  }
  // Ctrl-C is how a watch ends: exit 0, not 130.
  ctx.interruptHandled = true;
}

function drawFrame(out: OutputStream, text: string): void {
  const lines = text.replace(/\n$/, '').split('\n');
  out.write(`${HOME}${lines.map((l) => `${l}${LINE_END}`).join('\n')}\n${SCREEN_END}`);
}

// Wait `ms` on the command's clock; false when interrupted first.
function waitFor(ctx: CliContext, ms: number): Promise<boolean> {
  return sleep(ctx.clock, ms, ctx.signal).then(
    () => true,
    () => false,
  );
}
