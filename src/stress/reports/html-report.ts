import { formatBytes, formatDuration } from '../../config/units.js';
import { formatMetric, formatMs } from '../judging/metrics.js';
import type { ScenarioReport, StressReport } from '../report.js';
import type { BaselineReport } from './baseline.js';
import { compareWithBaseline } from './html-comparison.js';
import { HTML_STYLE } from './html-style.js';
import {
  cleanupLine,
  interruptionText,
  loadLine,
  statusCell,
  targetKind,
  verdictLine,
} from './report-lines.js';
import {
  esc,
  histogramChart,
  latencyOverTimeChart,
  throughputChart,
  type TargetMark,
} from './svg-charts.js';

const LATENCY_METRICS = new Set(['p50', 'p90', 'p95', 'p99', 'p999', 'max', 'mean']);

/**
 * The run as one self-contained HTML page (inline CSS and SVG, no script, nothing fetched): the
 * verdict, the run's facts (machine, seed), then per scenario its figures, a latency histogram,
 * latency and throughput over time with its targets drawn as lines, each target's verdict, and
 * why operations failed; with a baseline, a comparison with that run first.
 */
export function renderHtml(report: StressReport, baseline?: BaselineReport): string {
  const title = `pgcache stress: ${report.verdict.toUpperCase()} — profile ${report.profile}, seed ${report.seed}`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${HTML_STYLE}</style>`,
    '</head>',
    '<body>',
    runHeader(report),
    scenarioNav(report),
    '<main>',
    ...runBanners(report),
    ...(baseline === undefined ? [] : [compareWithBaseline(report, baseline)]),
    ...report.scenarios.map((s) =>
      scenarioSection(s, baseline?.scenarios.find((b) => b.id === s.id)?.histogram),
    ),
    '</main>',
    `<footer>${esc(cleanupLine(report))}. Written by pgcache ${esc(report.machine?.pgcache ?? '')} at ${esc(report.finishedAt)}.</footer>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function runHeader(report: StressReport): string {
  const m = report.machine;
  const facts: [string, string][] = [
    ['profile', report.profile],
    ['seed', `${report.seed} (repeat the run with --seed ${report.seed})`],
    ['run', `${report.runId}, started ${report.startedAt}, ${formatDuration(report.durationMs)}`],
    ['load', loadLine(report)?.replace(/^load: /, '') ?? 'in this process'],
    [
      'store',
      report.backend === null
        ? 'unknown'
        : `${report.backend.engine} (${report.backend.kind}) at ${report.backend.location}`,
    ],
  ];
  if (m !== null) {
    facts.push(
      [
        'machine',
        `${m.hostname}: ${m.os}, ${m.cpus} × ${m.cpuModel}, ${formatBytes(m.memoryBytes)} memory, load average ${m.loadAverage.join(' ')}`,
      ],
      ['software', `pgcache ${m.pgcache}, Node ${m.node}`],
    );
  }
  return [
    `<header class="run">`,
    `<h1>pgcache stress <span class="badge ${report.verdict}" data-verdict="${report.verdict}">${report.verdict}</span></h1>`,
    `<p class="verdict-line">${esc(verdictLine(report))}</p>`,
    '<dl class="facts">',
    ...facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`),
    '</dl>',
    '</header>',
  ].join('\n');
}

function scenarioNav(report: StressReport): string {
  const links = report.scenarios.map(
    (s) => `<a class="${s.verdict}" href="#s-${esc(s.id)}">${esc(s.id)}</a>`,
  );
  return `<nav>${links.join('')}</nav>`;
}

function runBanners(report: StressReport): string[] {
  const banners: string[] = [];
  if (report.interrupted !== null) {
    const notRun = report.interrupted.notRun.map((s) => s.id);
    banners.push(
      `<section class="banner" data-banner="interrupted"><h2>Interrupted ${esc(interruptionText(report))}</h2><p class="desc">The scenario cut short keeps its figures, but its targets are not judged${notRun.length === 0 ? '' : `; not run: ${esc(notRun.join(', '))}`}.</p></section>`,
    );
  }
  if (report.skipped.length > 0) {
    const items = report.skipped.map((s) => `<li><b>${esc(s.id)}</b>: ${esc(s.reason)}</li>`);
    banners.push(
      `<section class="banner" data-banner="skipped"><h2>Skipped with this load</h2><ul class="notes">${items.join('')}</ul></section>`,
    );
  }
  return banners;
}

function marks(s: ScenarioReport, pick: (metric: string) => boolean): TargetMark[] {
  return s.targets
    .filter((t) => pick(t.metric))
    .map((t) => ({ id: t.id, label: t.expr, value: t.value, status: t.status }));
}

function figure(label: string, value: string): string {
  return `<div class="figure"><b>${esc(value)}</b><span>${esc(label)}</span></div>`;
}

function scenarioSection(s: ScenarioReport, baseline?: ScenarioReport['histogram']): string {
  const l = s.latencyMs;
  const lat = (ms: number): string => (l.count === 0 ? '–' : formatMs(ms));
  const latencyMarks = marks(s, (m) => LATENCY_METRICS.has(m));
  return [
    `<section class="scenario" id="s-${esc(s.id)}" data-scenario="${esc(s.id)}" data-verdict="${s.verdict}">`,
    `<h2>${esc(s.id)} <span class="badge ${s.verdict}">${s.verdict}</span></h2>`,
    `<p class="desc">${esc(s.description)} — ${esc(s.source)}</p>`,
    '<div class="figures">',
    figure('operations', String(s.attempted)),
    figure('succeeded', String(s.succeeded)),
    figure('failed', String(s.failed)),
    figure('success', formatMetric(s.successRate, 'percent')),
    figure('throughput', formatMetric(s.throughput, 'rate')),
    figure('p50', lat(l.p50)),
    figure('p95', lat(l.p95)),
    figure('p99', lat(l.p99)),
    figure('max', lat(l.max)),
    figure('measured for', formatDuration(s.durationMs)),
    '</div>',
    `<p class="desc">Targets are drawn as solid lines: green held, red missed, amber not judged.</p>`,
    '<div class="charts">',
    `<figure>${histogramChart(s.histogram, { p50: l.p50, p95: l.p95, p99: l.p99 }, latencyMarks, baseline)}${legend(['bar', 'operations'], ['pct', 'percentiles'], ...(baseline === undefined ? [] : [['baseline', 'baseline run'] as [string, string]]))}</figure>`,
    `<figure>${latencyOverTimeChart(s.timeline, latencyMarks)}${legend(['s1', 'p50'], ['s2', 'p95'], ['s3', 'p99'])}</figure>`,
    `<figure>${throughputChart(
      s.timeline,
      marks(s, (m) => m === 'throughput'),
    )}${legend(['ok', 'ok/s'], ['failed', 'failed/s'])}</figure>`,
    '</div>',
    targetsTable(s),
    errorsTable(s),
    notesList(s),
    '</section>',
  ].join('\n');
}

const SWATCH: Readonly<Record<string, string>> = {
  bar: '#54aeff',
  pct: '#57606a',
  baseline: '#57606a',
  s1: '#0969da',
  s2: '#8250df',
  s3: '#bc4c00',
  ok: '#1a7f37',
  failed: '#cf222e',
};

function legend(...items: [string, string][]): string {
  const spans = items.map(
    ([key, text]) => `<span><i style="background:${SWATCH[key] ?? '#888'}"></i>${esc(text)}</span>`,
  );
  return `<div class="legend">${spans.join('')}</div>`;
}

function targetsTable(s: ScenarioReport): string {
  if (s.targets.length === 0) return '<h3>Targets</h3><p class="desc">no target</p>';
  const rows = s.targets.map(
    (t) =>
      `<tr data-target="${esc(t.id)}"><td>${esc(t.id)}</td><td><code>${esc(t.expr)}</code></td><td class="num">${esc(formatMetric(t.actual, targetKind(t)))}</td><td class="status ${t.status}">${esc(statusCell(t))}</td><td>${esc(t.description ?? '')}${t.description === null ? '' : ' — '}${esc(t.source)}</td></tr>`,
  );
  return `<h3>Targets</h3><table class="targets"><thead><tr><th>target</th><th>bound</th><th class="num">measured</th><th>verdict</th><th>source</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function errorsTable(s: ScenarioReport): string {
  if (s.topErrors.length === 0) {
    return `<h3>Failures</h3><p class="desc" data-errors="none">no operation failed</p>`;
  }
  const rows = s.topErrors.map(
    (e) =>
      `<tr data-error="${esc(e.code)}"><td><code>${esc(e.code)}</code></td><td class="num">${e.count}</td><td class="num">${esc(formatMetric(s.attempted === 0 ? null : (e.count / s.attempted) * 100, 'percent'))}</td></tr>`,
  );
  return `<h3>Failures by error code</h3><table class="errors"><thead><tr><th>code</th><th class="num">operations</th><th class="num">of all</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function notesList(s: ScenarioReport): string {
  const notes = [
    ...s.notes,
    ...(s.error === null ? [] : [`could not run: [${s.error.code}] ${s.error.message}`]),
  ];
  if (notes.length === 0) return '';
  return `<ul class="notes">${notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`;
}
