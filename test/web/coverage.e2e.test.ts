import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/server';
import { dataDir, monthFile, tempDir } from '../support/data';
import { isRemoteRequest, launchChromium, startServerWith } from '../support/server';

// Three real Merseyside months, then a later month "three months on": built from a real sample month
// (2018-12, not otherwise loaded, so no Crime ID repeats) with only its Month column relabelled 2021-12.
// 2021-10 and 2021-11 are then not loaded: the strip must show them empty, not as months without crime.
const REAL = ['2021-07', '2021-08', '2021-09'];
const RELABELLED_FROM = '2018-12';
const LATER = '2021-12';
const SPAN = ['2021-07', '2021-08', '2021-09', '2021-10', '2021-11', '2021-12'];
const MISSING = ['2021-10', '2021-11'];
const artifacts = path.resolve('test-artifacts');

type TestWindow = Window & { __harmgridMap: any; __harmgridReady?: boolean };
declare const window: TestWindow;

describe('coverage strip under the month slider in headless Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const later = tempDir();

  beforeAll(async () => {
    fs.mkdirSync(artifacts, { recursive: true });
    const lines = fs.readFileSync(monthFile(RELABELLED_FROM), 'utf8').split(/\r?\n/);
    const relabelled = lines.map((l, i) => (i === 0 || l === '' ? l : l.replace(new RegExp(`^([^,]*),${RELABELLED_FROM},`), `$1,${LATER},`)));
    // Every row was relabelled (the Month column is the second of data.police.uk's street files).
    expect(relabelled.filter((l, i) => i > 0 && l !== '' && l.split(',')[1] !== LATER)).toEqual([]);
    const laterFile = path.join(later, `${LATER}-merseyside-street.csv`);
    fs.writeFileSync(laterFile, relabelled.join('\n'));
    server = await startServerWith([
      path.join(dataDir, 'boundaries', 'merseyside-lad.geojson'),
      path.join(dataDir, 'boundaries', 'merseyside-wards-2019.geojson'),
      ...REAL.map(monthFile),
      laterFile,
    ]);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('request', (r) => {
      if (isRemoteRequest(r.url(), server.url)) errors.push(`remote request: ${r.url()}`);
    });
    await page.goto(server.url);
    await page.waitForFunction(() => window.__harmgridReady === true, null, { timeout: 120_000 });
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    fs.rmSync(later, { recursive: true, force: true });
  });

  it('draws one cell per month of the span, the two months not loaded empty and titled missing', async () => {
    await page.locator('input[type="range"]').waitFor({ timeout: 60_000 });
    expect(errors).toEqual([]);
    const cells = page.locator('.coverage-cells > li');
    await expect.poll(() => cells.count(), { timeout: 30_000 }).toBe(SPAN.length);
    const drawn = await cells.evaluateAll((els) =>
      els.map((el) => {
        const s = getComputedStyle(el);
        return { month: el.getAttribute('data-month'), title: el.getAttribute('title') ?? '', fill: s.backgroundColor, image: s.backgroundImage };
      }),
    );
    expect(drawn.map((d) => d.month)).toEqual(SPAN);
    const empty = (d: (typeof drawn)[number]) => d.fill === 'rgba(0, 0, 0, 0)' && d.image === 'none';
    expect(drawn.filter(empty).map((d) => d.month)).toEqual(MISSING);
    for (const d of drawn) {
      if (MISSING.includes(d.month!)) expect(d.title).toMatch(new RegExp(`^${d.month}: missing`));
      else expect(d.title).not.toContain('missing');
    }
    // The text alternative names the gap.
    expect(await page.locator('.coverage-cells').getAttribute('aria-label')).toBe(`Data coverage: 2 of 6 months not loaded: ${MISSING.join(', ')}`);
  });

  it("shows the answer's coverage statement next to the slider, as the API words it", async () => {
    const statement = page.locator('.coverage-statement');
    await expect.poll(() => statement.count(), { timeout: 60_000 }).toBe(1);
    const api = (await (await fetch(`${server.url}/api/coverage?from=${SPAN[0]}&to=${SPAN.at(-1)}`)).json()) as {
      coverage: { complete: boolean; missing: string[]; statement: string };
    };
    expect(api.coverage.complete).toBe(false);
    expect(api.coverage.missing).toEqual(MISSING);
    expect(await statement.textContent()).toBe(api.coverage.statement);
    await page.locator('fieldset:has(legend:text("Month by month"))').screenshot({ path: path.join(artifacts, 'coverage-strip.png') });
    // docs/screenshot-coverage.png is copied from this artifact by hand when the strip changes: a test run leaves the tree clean.
  });

  it('has no serious accessibility violations (axe-core)', async () => {
    const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
    await page.evaluate(fs.readFileSync(axePath, 'utf8')); // through the DevTools protocol: the app's CSP forbids inline scripts
    const result = await page.evaluate(async () => (window as any).axe.run(document, { resultTypes: ['violations'] }));
    const serious = (result.violations as { id: string; impact: string; nodes: unknown[] }[]).filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id} (${v.nodes.length})`)).toEqual([]);
  });

  it('steps the slider over the months not loaded, never onto them', async () => {
    const slider = page.locator('input[type="range"]');
    const shown = page.locator('fieldset:has(legend:text("Month by month")) output');
    await slider.focus();
    // Whole period: the thumb at the last month (2021-12); one step back lands on 2021-09, past the gap.
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => shown.textContent()).toBe('2021-09');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => shown.textContent()).toBe('2021-12');
    expect(errors).toEqual([]);
  });
});
