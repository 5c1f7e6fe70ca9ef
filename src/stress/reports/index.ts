import type { StressReport } from '../report.js';
import type { BaselineReport } from './baseline.js';
import { renderHtml } from './html-report.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';

/** What a report file may draw on besides the run's own report. */
export interface ReportInputs {
  /** A previous run (`--baseline FILE`, its `stress --json` document), to compare with. */
  readonly baseline?: BaselineReport | undefined;
}

/** A report file format: the flag that asks for it (`--junit FILE`) and how it is written. */
export interface ReportFormat {
  /** The flag's name, without dashes. */
  readonly flag: string;
  /** For `--help`. */
  readonly description: string;
  render(report: StressReport, inputs: ReportInputs): string;
}

/**
 * Every report file `stress` can write, one flag each: a new format is a module in this folder
 * and a line here (the command declares a flag per entry).
 */
export const REPORT_FORMATS: readonly ReportFormat[] = [
  {
    flag: 'junit',
    description: 'also write JUnit XML (one test case per target)',
    render: (report) => renderJunit(report),
  },
  {
    flag: 'markdown',
    description: 'also write a Markdown summary (for a CI job page)',
    render: (report) => renderMarkdown(report),
  },
  {
    flag: 'report',
    description:
      'also write an HTML report: charts per scenario, targets drawn, failure reasons (self-contained, opens offline)',
    render: (report, { baseline }) => renderHtml(report, baseline),
  },
];
