import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StressReport } from '../../src/stress/report.js';
import { runCli } from '../support/cli.js';
import { copyTemplateDataDir, emptyDir } from '../support/data-dir.js';

// Debian's chromium package (.ci/run installs it); no download of a browser of playwright's own.
const CHROMIUM = '/usr/bin/chromium';
const SKIP = existsSync(CHROMIUM)
  ? undefined
  : `no Chromium at ${CHROMIUM} (apt-get install chromium)`;

// Without these, Chromium's background connections (updates, sync, QUIC probes) would be refused
// by this machine's closed network, and reported as failed requests.
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const TARGETS = {
  targets: [
    { id: 'writes-ok', scenario: 'sequential-writes', expr: 'successRate >= 98%' },
    { id: 'writes-p95', scenario: 'sequential-writes', expr: 'p95 < 10s' },
    { id: 'mixed-impossible', scenario: 'mixed', expr: 'p95 < 1ns' },
    { id: 'mixed-throughput', scenario: 'mixed', expr: 'throughput >= 1 ops/s' },
    { id: 'burst-explained', scenario: 'burst', expr: 'unexplainedErrors <= 0' },
  ],
};

/** A page opened in a fresh Chromium profile, with every console error and request it made. */
interface Opened {
  readonly page: Page;
  readonly errors: string[];
  readonly requests: string[];
}

describe('stress --report in headless Chromium', () => {
  if (SKIP !== undefined) {
    it.skip(SKIP, () => undefined);
    return;
  }
  const dir = emptyDir();
  let browser: BrowserContext;
  let first: StressReport;
  let second: StressReport;

  beforeAll(async () => {
    const dataDir = copyTemplateDataDir();
    writeFileSync(join(dir, 'targets.json'), JSON.stringify(TARGETS));
    const run = (seed: string, extra: string[]) =>
      runCli(
        [
          'stress',
          '--targets',
          'targets.json',
          '--ops',
          '100',
          '--seed',
          seed,
          '--data-dir',
          dataDir,
          '--json',
          '--quiet',
          ...extra,
        ],
        { cwd: dir },
      );
    const one = await run('1', ['--report', 'first.html']);
    expect(one.exitCode, one.stderr).toBe(1); // mixed-impossible is missed
    writeFileSync(join(dir, 'first.json'), one.stdout);
    first = one.json<StressReport>();
    const two = await run('2', ['--report', 'second.html', '--baseline', 'first.json']);
    expect(two.exitCode, two.stderr).toBe(1);
    second = two.json<StressReport>();
    browser = await chromium.launchPersistentContext(mkdtempSync(join(dir, 'chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1280, height: 900 },
    });
  }, 120_000);
  afterAll(() => browser?.close());

  async function open(file: string): Promise<Opened> {
    const page = await browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    page.on('pageerror', (e) => void errors.push(e.message));
    page.on('request', (r) => void requests.push(r.url()));
    await page.goto(`file://${join(dir, file)}`, { waitUntil: 'load' });
    return { page, errors, requests };
  }

  it('draws every scenario: histogram bars, latency and throughput points, targets as lines; no error, no network', async () => {
    const { page, errors, requests } = await open('first.html');
    expect(errors).toEqual([]);
    expect(requests).toEqual([`file://${join(dir, 'first.html')}`]);
    expect(await page.locator('header [data-verdict]').getAttribute('data-verdict')).toBe('fail');
    const header = await page.locator('header').innerText();
    expect(header).toContain(`${first.seed} (repeat the run with --seed ${first.seed})`);
    expect(header).toContain(`${first.machine?.hostname}: `);
    expect(header).toContain(`${first.machine?.cpus} × `);

    const ids = await page
      .locator('section[data-scenario]')
      .evaluateAll((s) => s.map((e) => e.getAttribute('data-scenario')));
    expect(ids).toEqual(first.scenarios.map((s) => s.id));
    for (const s of first.scenarios) {
      const section = page.locator(`section[data-scenario="${s.id}"]`);
      const chart = (kind: string) => section.locator(`svg[data-chart="${kind}"]`);
      expect(await chart('histogram').locator('rect.bar').count(), s.id).toBe(s.histogram.length);
      const points = s.timeline.points;
      const latencyPoints = points.flatMap((p) => [p.p50, p.p95, p.p99]).filter((v) => v !== null);
      expect(latencyPoints.length, s.id).toBeGreaterThan(0);
      expect(await chart('latency').locator('circle.pt').count(), s.id).toBe(latencyPoints.length);
      expect(await chart('throughput').locator('circle.pt').count(), s.id).toBe(points.length * 2);
      // Laid out and painted: the charts take room, the bars have height.
      expect((await chart('histogram').boundingBox())?.width ?? 0).toBeGreaterThan(300);
      const barHeight = await chart('histogram')
        .locator('rect.bar')
        .evaluateAll((bars) => bars.reduce((sum, b) => sum + Number(b.getAttribute('height')), 0));
      expect(barHeight).toBeGreaterThan(50);
      // Every target has its row and verdict.
      for (const t of s.targets) {
        const row = section.locator(`tr[data-target="${t.id}"] td.status`);
        expect(await row.getAttribute('class')).toBe(`status ${t.status}`);
      }
    }
    // Latency targets are lines on both latency charts, the throughput target on its own chart.
    const mixed = page.locator('section[data-scenario="mixed"]');
    for (const kind of ['histogram', 'latency']) {
      const line = mixed.locator(
        `svg[data-chart="${kind}"] g.target[data-target="mixed-impossible"]`,
      );
      expect(await line.getAttribute('class'), kind).toBe('target fail');
      expect(await line.locator('line').count()).toBe(1);
    }
    expect(
      await mixed
        .locator('svg[data-chart="throughput"] g.target[data-target="mixed-throughput"]')
        .getAttribute('class'),
    ).toBe('target pass');
    expect(
      await page
        .locator(
          'section[data-scenario="sequential-writes"] svg g.target[data-target="writes-p95"]',
        )
        .count(),
    ).toBe(2);
    // Why operations failed: the burst's error codes, with their counts.
    const burst = first.scenarios.find((s) => s.id === 'burst');
    expect(burst?.topErrors.length).toBeGreaterThan(0);
    for (const e of burst?.topErrors ?? []) {
      const cell = page
        .locator(`section[data-scenario="burst"] tr[data-error="${e.code}"] td.num`)
        .first();
      expect(await cell.innerText()).toBe(String(e.count));
    }
    expect(await page.locator('section[data-section="comparison"]').count()).toBe(0);

    const shot = join(dir, 'first.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
    expect(statSync(shot).size).toBeGreaterThan(50_000);
    await page.close();
  });

  it('--baseline: a comparison with the previous run, and its distribution drawn over each histogram', async () => {
    const { page, errors, requests } = await open('second.html');
    expect(errors).toEqual([]);
    expect(requests).toHaveLength(1);
    const comparison = page.locator('section[data-section="comparison"]');
    expect(await comparison.locator('h2').innerText()).toContain(
      `Compared with run ${first.runId}`,
    );
    for (const s of second.scenarios) {
      const rows = comparison.locator(`tr[data-compare="${s.id}"][data-metric]`);
      expect(await rows.count(), s.id).toBe(6);
      const p95 = comparison.locator(`tr[data-compare="${s.id}"][data-metric="p95"] td.num`);
      expect(await p95.count()).toBe(3);
      const histogram = page.locator(
        `section[data-scenario="${s.id}"] svg[data-chart="histogram"]`,
      );
      expect(await histogram.locator('polyline.baseline').count(), s.id).toBe(1);
    }
    expect(await comparison.innerText()).toContain('another seed (1)');
    await page.screenshot({ path: join(dir, 'second.png'), fullPage: true });
    await page.close();
  });
});
