import type { RunState, StressEvent } from '../../stress/events.js';
import { formatMs } from '../../stress/judging/metrics.js';
import { formatDuration } from '../../config/units.js';
import type { OutputStream } from '../context.js';
import { styles, type TerminalFeatures } from '../terminal.js';

/** The status line for a run's state. */
export function progressLine(state: RunState, elapsedMs: number): string {
  const at = `[${formatDuration(elapsedMs)}]`;
  switch (state.phase) {
    case 'starting':
      return `${at} opening the store`;
    case 'running': {
      const l = state.live;
      const head = `${at} ${state.index}/${state.total} ${state.scenario} ${formatDuration(state.scenarioMs)}`;
      if (l.attempted === 0) return `${head}: preparing or warming up`;
      const p95 = l.succeeded === 0 ? '' : `, p95 ${formatMs(l.p95Ms)}`;
      return `${head}: ${l.attempted} ops, ${l.failed} failed${p95}`;
    }
    case 'cleaning-up':
      return `${at} deleting the run's keys and recording the verdict`;
    case 'done':
      return `${at} done: ${state.verdict}`;
  }
}

/**
 * Writes a run's progress on stderr: on a real terminal one status line redrawn in place, with a
 * line kept for each finished scenario; elsewhere (pipes, CI, `--json`) plain lines.
 */
export class StressProgress {
  readonly #stream: OutputStream;
  readonly #redraw: boolean;
  readonly #term: TerminalFeatures;
  #drawn = false;

  constructor(stream: OutputStream, term: TerminalFeatures, options: { redraw: boolean }) {
    this.#stream = stream;
    this.#term = term;
    this.#redraw = options.redraw && term.interactive;
  }

  /** Handle one event of `runStress`. */
  onEvent(event: StressEvent): void {
    switch (event.type) {
      case 'start':
        this.#line(
          `stress run ${event.runId}: profile ${event.profile}, seed ${event.seed}, ${event.scenarios.length} scenarios`,
        );
        return;
      case 'scenario-start': {
        const line = `${event.index}/${event.total} ${event.id}: starting`;
        if (this.#redraw) this.#status(line);
        else this.#line(line);
        return;
      }
      case 'tick':
        if (this.#redraw) this.#status(progressLine(event.state, event.elapsedMs));
        else if (event.state.phase === 'running')
          this.#line(progressLine(event.state, event.elapsedMs));
        return;
      case 'scenario-done': {
        const s = styles(this.#term.color);
        const r = event.scenario;
        const verdict =
          r.verdict === 'pass'
            ? s.green('pass')
            : s.red(r.verdict === 'fail' ? 'FAIL' : 'interrupted');
        this.#line(
          `${verdict} ${r.id}: ${r.succeeded}/${r.attempted} ok in ${formatDuration(r.durationMs)}`,
        );
        return;
      }
      case 'done':
        this.#clear();
        return;
    }
  }

  #status(text: string): void {
    const width = Math.max(10, this.#term.columns - 1);
    this.#stream.write(`\r\u001b[2K${text.slice(0, width)}`);
    this.#drawn = true;
  }

  #clear(): void {
    if (this.#drawn) this.#stream.write('\r\u001b[2K');
    this.#drawn = false;
  }

  #line(text: string): void {
    this.#clear();
    this.#stream.write(`${text}\n`);
  }
}
