import { formatMetric, formatMs } from '../judging/metrics.js';
import type { StressReport } from '../report.js';
import type { BaselineReport, BaselineScenario } from './baseline.js';
import { esc } from './svg-charts.js';

/** Changes smaller than this share are shown without colour: run-to-run noise. */
const NOISE = 0.1;

interface Compared {
  readonly label: string;
  readonly value: (s: BaselineScenario) => number;
  readonly show: (v: number) => string;
  /** True when a larger value is better. */
  readonly higherIsBetter: boolean;
}

const COMPARED: readonly Compared[] = [
  {
    label: 'success',
    value: (s) => s.successRate,
    show: (v) => formatMetric(v, 'percent'),
    higherIsBetter: true,
  },
  {
    label: 'throughput',
    value: (s) => s.throughput,
    show: (v) => formatMetric(v, 'rate'),
    higherIsBetter: true,
  },
  { label: 'p50', value: (s) => s.latencyMs.p50, show: formatMs, higherIsBetter: false },
  { label: 'p95', value: (s) => s.latencyMs.p95, show: formatMs, higherIsBetter: false },
  { label: 'p99', value: (s) => s.latencyMs.p99, show: formatMs, higherIsBetter: false },
  { label: 'failed', value: (s) => s.failed, show: String, higherIsBetter: false },
];

function change(before: number, now: number, higherIsBetter: boolean): string {
  if (before === now) return '<td class="num">=</td>';
  if (before === 0) return `<td class="num">new</td>`;
  const ratio = (now - before) / Math.abs(before);
  const better = ratio > 0 === higherIsBetter;
  const cls = Math.abs(ratio) < NOISE ? '' : better ? 'better' : 'worse';
  const sign = ratio > 0 ? '+' : '−';
  return `<td class="num ${cls}" data-change="${cls || 'same'}">${sign}${Math.abs(Math.round(ratio * 1000) / 10)}%</td>`;
}

// Targets whose verdict is not what it was.
function targetChanges(now: StressReport['scenarios'][number], before: BaselineScenario): string[] {
  return now.targets.flatMap((t) => {
    const was = before.targets?.find((b) => b.id === t.id)?.status;
    return was === undefined || was === t.status ? [] : [`${t.id}: ${was} → ${t.status}`];
  });
}

/**
 * This run against a previous one (`--baseline`): per scenario, success, throughput, p50, p95,
 * p99 and failures side by side with the change (green better, red worse, uncoloured within
 * ±10%), and the targets whose verdict changed.
 */
export function compareWithBaseline(report: StressReport, baseline: BaselineReport): string {
  const rows = report.scenarios.flatMap((s) => {
    const before = baseline.scenarios.find((b) => b.id === s.id);
    if (before === undefined) {
      return [
        `<tr data-compare="${esc(s.id)}"><td>${esc(s.id)}</td><td colspan="4">not in the baseline</td></tr>`,
      ];
    }
    const changed = targetChanges(s, before);
    return COMPARED.map(
      (c, i) =>
        `<tr data-compare="${esc(s.id)}" data-metric="${c.label}"><td>${i === 0 ? esc(s.id) : ''}</td><td>${c.label}</td><td class="num">${esc(c.show(c.value(before)))}</td><td class="num">${esc(c.show(c.value(s)))}</td>${change(c.value(before), c.value(s), c.higherIsBetter)}</tr>`,
    ).concat(
      changed.length === 0
        ? []
        : [
            `<tr data-compare="${esc(s.id)}"><td></td><td>targets</td><td colspan="3">${esc(changed.join('; '))}</td></tr>`,
          ],
    );
  });
  const gone = baseline.scenarios
    .filter((b) => !report.scenarios.some((s) => s.id === b.id))
    .map((b) => b.id);
  const caveats = [
    baseline.seed === report.seed ? '' : `another seed (${baseline.seed})`,
    baseline.machine?.hostname === undefined ||
    baseline.machine.hostname === report.machine?.hostname
      ? ''
      : `another machine (${baseline.machine.hostname})`,
  ].filter((c) => c !== '');
  return [
    '<section class="comparison" data-section="comparison">',
    `<h2>Compared with run ${esc(baseline.runId)} <span class="badge ${esc(baseline.verdict)}">${esc(baseline.verdict)}</span></h2>`,
    `<p class="desc">Baseline: profile ${esc(baseline.profile)}, seed ${baseline.seed}${baseline.startedAt === undefined ? '' : `, started ${esc(baseline.startedAt)}`}${caveats.length === 0 ? '' : `; it ran with ${esc(caveats.join(' and '))}, so differences are not all the store's`}. Green is better, red worse; changes within ±${NOISE * 100}% are left uncoloured.</p>`,
    '<table class="compare"><thead><tr><th>scenario</th><th>figure</th><th class="num">baseline</th><th class="num">this run</th><th class="num">change</th></tr></thead>',
    `<tbody>${rows.join('')}</tbody></table>`,
    gone.length === 0 ? '' : `<p class="desc">In the baseline only: ${esc(gone.join(', '))}.</p>`,
    '</section>',
  ].join('\n');
}
