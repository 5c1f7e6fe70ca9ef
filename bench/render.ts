// The text report: cli-table3 boxes on a terminal, aligned plain columns when piped (for logs
// and the README). Pure: a document in, a string out.
import Table from 'cli-table3';
import type { Floor } from './case.js';
import type { StartupResult } from './startup.js';
import type { TargetResult, WorkloadGroup } from './summary.js';

/** Everything one run measured, as `--json` prints it. */
export interface BenchDocument {
  readonly schemaVersion: 2;
  readonly date: string;
  readonly command: string;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memoryGiB: number;
    readonly node: string;
    readonly versions: readonly string[];
    readonly loadAverage: { readonly start: number; readonly end: number };
  };
  readonly settings: {
    readonly rounds: number;
    readonly durationMs: number;
    /** Keys of each value size. */
    readonly keys: number;
    readonly valueSizes: readonly number[];
    readonly startupRuns: number;
  };
  readonly workload: readonly WorkloadGroup[];
  readonly startup: readonly StartupResult[];
  readonly targets: readonly TargetResult[];
}

const FLOOR_LABEL: Readonly<Record<Floor, string>> = { map: 'Map', pglite: 'PGlite' };

/** A line of a table: a group title, a row of cells, or a case that did not run. */
type Line =
  | { kind: 'title'; text: string }
  | { kind: 'cells'; cells: string[] }
  | { kind: 'na'; name: string; text: string };

/** The whole report as text; `boxes` for a terminal, plain columns otherwise. */
export function renderReport(doc: BenchDocument, boxes: boolean): string {
  const m = doc.machine;
  const s = doc.settings;
  const header = [
    `pgcache bench, ${doc.date}: ${doc.command}`,
    `machine: ${m.cpus} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.versions.join(', ')}; load average ${m.loadAverage.start.toFixed(2)} at start, ${m.loadAverage.end.toFixed(2)} at end`,
    `workload: ${s.keys.toLocaleString('en-US')} keys of each value size (${s.valueSizes.map(formatBytes).join(' and ')} JSON values), seeded key order; mix = 9 gets then 1 set; ${s.rounds} interleaved round${s.rounds === 1 ? '' : 's'} of ${s.durationMs} ms per case and group; figures are medians of the rounds`,
  ];
  const workload = renderLines(
    ['', '>ops/s', '>p50', '>p99', '>× fastest', '>× floor', 'floor'],
    doc.workload.flatMap(workloadLines),
    boxes,
  );
  const startup = renderLines(
    ['command', '>median', '>min', '>max', 'what it does'],
    doc.startup.map(startupLine),
    boxes,
  );
  const targets = doc.targets.map(
    (t) =>
      `  ${t.status.padEnd(6)} ${t.target}: ${t.status === 'n/a' ? `n/a, ${t.measured}` : t.measured}`,
  );
  return [
    ...header,
    '',
    workload,
    '',
    `CLI start-up: wall time from spawn to exit, median of ${s.startupRuns} runs (after one warm-up run)`,
    startup,
    '',
    'targets',
    ...targets,
    '',
  ].join('\n');
}

function workloadLines(group: WorkloadGroup): Line[] {
  return [
    {
      kind: 'title',
      text: `${group.operation === 'mix' ? 'mix 90/10' : group.operation} ${formatBytes(group.valueBytes)}, concurrency ${group.concurrency}`,
    },
    ...group.results.map((r): Line =>
      r.status === 'n/a'
        ? { kind: 'na', name: r.case, text: `n/a: ${r.reason}` }
        : {
            kind: 'cells',
            cells: [
              r.case,
              Math.round(r.opsPerSec).toLocaleString('en-US'),
              formatNs(r.p50Ns),
              formatNs(r.p99Ns),
              formatRatio(r.xFastest),
              r.xFloor === null ? 'n/a' : formatRatio(r.xFloor),
              FLOOR_LABEL[r.floor],
            ],
          },
    ),
  ];
}

function startupLine(r: StartupResult): Line {
  if (r.status === 'n/a') return { kind: 'na', name: r.name, text: `n/a: ${r.reason}` };
  const ms = (value: number) => `${value.toFixed(0)} ms`;
  return {
    kind: 'cells',
    cells: [r.name, ms(r.medianMs), ms(r.minMs), ms(r.maxMs), r.description],
  };
}

/** `columns` names the columns; a leading `>` right-aligns one. */
function renderLines(columns: string[], lines: Line[], boxes: boolean): string {
  const head = columns.map((c) => c.replace(/^>/, ''));
  if (boxes) {
    // Colours off: cli-table3 would colour even piped output, and a report is for reading anywhere.
    const table = new Table({
      head,
      colAligns: columns.map((c) => (c.startsWith('>') ? 'right' : 'left')),
      style: { head: [], border: [] },
    });
    for (const line of lines) {
      if (line.kind === 'title') table.push([{ colSpan: head.length, content: line.text }]);
      else if (line.kind === 'na') {
        table.push([line.name, { colSpan: head.length - 1, content: line.text }]);
      } else table.push(line.cells);
    }
    return table.toString();
  }
  const rows = lines.flatMap((line) => (line.kind === 'cells' ? [line.cells] : []));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const pad = (cells: string[]) =>
    `  ${cells
      .map((cell, i) =>
        columns[i]?.startsWith('>') === true
          ? cell.padStart(widths[i] ?? 0)
          : cell.padEnd(widths[i] ?? 0),
      )
      .join('  ')}`.trimEnd();
  const out = [pad(head)];
  for (const line of lines) {
    if (line.kind === 'title') out.push(line.text);
    else if (line.kind === 'na') out.push(`  ${line.name.padEnd(widths[0] ?? 0)}  ${line.text}`);
    else out.push(pad(line.cells));
  }
  return out.join('\n');
}

/** Nanoseconds as ns, µs or ms with three significant figures or so. */
export function formatNs(ns: number): string {
  if (ns < 1e3) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(ns < 1e4 ? 2 : ns < 1e5 ? 1 : 0)} µs`;
  return `${(ns / 1e6).toFixed(ns < 1e7 ? 2 : ns < 1e8 ? 1 : 0)} ms`;
}

/** 1024 → `1 KiB`, 16384 → `16 KiB`. */
function formatBytes(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} B`;
}

/** A time ratio: two decimals below 10, one below 100, none above. */
export function formatRatio(x: number): string {
  return `${x.toFixed(x < 10 ? 2 : x < 100 ? 1 : 0)}×`;
}
