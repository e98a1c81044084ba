// report.html in real headless Chromium (Debian's chromium): no console errors, nothing fetched, every
// chart an SVG with its marks in the expected count, the measured values equal to report.json's, a
// screenshot written; readable on a phone and in dark mode.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../scripts/report/html.ts';
import type { CompareReport } from '../../scripts/report/model.ts';
import { faultRows } from '../../scripts/report/summary.ts';
import { hasTool } from '../helpers/tools.ts';
import { FIXTURE } from './fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const ready = hasTool('chromium') && existsSync(CHROMIUM);

describe.skipIf(!ready)('report.html in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lab-report-'));
  const file = join(dir, 'report.html');
  const report = JSON.parse(readFileSync(FIXTURE, 'utf8')) as CompareReport;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const outside: string[] = [];

  beforeAll(async () => {
    writeFileSync(file, renderHtml(report));
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
      userDataDir: join(dir, 'profile'),
    });
    page = await browser.newPage();
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.setRequestInterception(true);
    page.on('request', (req) => {
      if (req.url() === `file://${file}`) return void req.continue();
      outside.push(req.url());
      void req.abort();
    });
    await page.setViewport({ width: 1024, height: 800 });
    await page.goto(`file://${file}`, { waitUntil: 'load' });
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should open without console errors and fetch nothing beyond the file', () => {
    expect(errors).toEqual([]);
    expect(outside).toEqual([]);
  });

  it('should draw every chart as an inline SVG with its marks', async () => {
    const count = (sel: string) => page.$$eval(sel, (els) => els.length);
    const marks = (fig: string, series?: number) =>
      count(`${fig} svg [ecmeta_ssr_type="chart"]${series === undefined ? '' : `[ecmeta_series_index="${series}"]`}`);
    const nodes = report.settings.nodes;
    // Share: one bar per node with a share, per mode and source.
    const bars = report.modes.flatMap((m) =>
      Object.keys(m.steady[0]!.bySource).flatMap((src) =>
        nodes.filter((n) => m.steady.some((t) => (t.bySource[src]!.byNode[n] ?? 0) > 0)),
      ),
    );
    expect(await marks('#chart-share')).toBe(bars.length);
    // Outage: a point per trial per series, a bound line per scenario and mode.
    const rows = faultRows(report).filter((f) => !f.unavailable);
    const trials = rows.reduce((a, f) => a + f.outages.length, 0);
    expect(await marks('#chart-outage', 0)).toBe(
      rows.filter((f) => f.mode === 'l2').reduce((a, f) => a + f.outages.length, 0),
    );
    expect(await marks('#chart-outage')).toBe(trials + rows.length);
    expect(await marks('#chart-outage', 2)).toBe(rows.length);
    // Timelines: one per mode, a point per probe.
    for (const [i, m] of report.modes.entries()) {
      const f = m.faults.find((x) => x.scenario === 'link-loss')!;
      expect(await marks(`#chart-timeline-${i}`)).toBe(f.trials[0]!.samples.length);
      expect(await marks(`#chart-timeline-${i}`, nodes.length)).toBe(f.trials[0]!.failedProbes);
    }
    expect(await count('figure svg')).toBe(2 + report.modes.length);
  });

  it('should show the measured values of report.json', async () => {
    const shown = Object.fromEntries(
      await page.$$eval('[data-key]', (els) =>
        els.map((e) => [e.getAttribute('data-key')!, e.getAttribute('data-value')!]),
      ),
    );
    const expected: Record<string, string> = {};
    for (const m of report.modes) {
      expected[`${m.mode}/upMs`] = String(m.upMs);
      for (const t of m.steady) {
        for (const [src, tr] of Object.entries(t.bySource)) {
          for (const n of report.settings.nodes)
            expected[`${m.mode}/steady/${t.trial}/${src}/${n}`] = String(tr.byNode[n] ?? 0);
          expected[`${m.mode}/steady/${t.trial}/${src}/failed`] = String(tr.failed);
        }
      }
      for (const f of m.faults) {
        for (const t of f.trials) {
          const k = `${m.mode}/${f.scenario}/${t.trial}`;
          Object.assign(expected, {
            [`${k}/outageMs`]: String(t.outageMs),
            [`${k}/probes`]: `${t.failedProbes}/${t.probes}`,
            [`${k}/servedAfter`]: t.servedAfter.join(','),
          });
        }
      }
    }
    expect(shown).toEqual(expected);
  });

  it('should fit a phone and switch to dark colours, and write a screenshot', async () => {
    await page.setViewport({ width: 390, height: 844, isMobile: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const light = await bg();
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
    expect(await bg()).not.toBe(light);
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
    await page.setViewport({ width: 1024, height: 800 });
    const png = join(dir, 'report.png');
    await page.screenshot({ path: png as `${string}.png`, fullPage: true });
    expect(statSync(png).size).toBeGreaterThan(10_000);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
  });
});
