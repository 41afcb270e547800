import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthRange } from '../../server/domain/months';
import type { RunningServer } from '../../server/server';
import { dataDir } from '../support/data';
import { launchChromium, startServerWith } from '../support/server';

// 14 real Leicestershire months: 12 to select on, then two origins to score (the fewest a backtest
// with a next-month horizon and a stability between origins needs), and the force's districts.
const MONTHS = monthRange('2019-12', '2021-01');
const leics = (p: string) => path.join(dataDir, 'forces', 'leicestershire', p);
const FILES = [...MONTHS.map((m) => leics(`police/${m}-leicestershire-street.csv`)), leics('boundaries/leicestershire-lad.geojson')];
const artifacts = path.resolve('test-artifacts');

interface Interval {
  mean: number;
  lower: number;
  upper: number;
}
interface Row {
  method: string;
  horizon: number;
  budgetShare: number;
  hitRate: Interval;
  harmCaptured: Interval;
  pai: Interval;
  rri: Interval | null;
  stability: Interval | null;
  hitRateVsBaseline: Interval | null;
}

// The figures as a reader checks them against the API: "mean (lower–upper)", shares in % to 1 decimal.
const fixed = (d: number) => (v: number) => v.toLocaleString('en-GB', { minimumFractionDigits: d, maximumFractionDigits: d });
const pct = (v: number) => fixed(1)(v * 100);
const iv = (x: Interval | null, f: (v: number) => string) => (x ? `${f(x.mean)} (${f(x.lower)}–${f(x.upper)})` : '–');

describe('Backtest view in headless Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const api = async <T>(p: string): Promise<T> => (await fetch(server.url + p)).json() as Promise<T>;

  beforeAll(async () => {
    fs.mkdirSync(artifacts, { recursive: true });
    // As a force's service runs: it prepares its first answers after start (the res-11 study area of
    // a whole force is hundreds of thousands of cells), and the analyst arrives after that.
    server = await startServerWith(FILES, { prepare: true });
    for (let i = 0; !(await api<{ prepared: boolean }>('/health')).prepared; i++) {
      if (i > 2400) throw new Error('the service did not prepare its first answers within 8 minutes');
      await new Promise((r) => setTimeout(r, 200));
    }
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1300, height: 900 } })).newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('response', (r) => {
      if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
    });
    page.on('request', (r) => {
      if (!/^(blob:|data:)/.test(r.url()) && !r.url().startsWith(server.url)) errors.push(`remote request: ${r.url()}`);
    });
    await page.goto(`${server.url}/?page=backtest`);
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("shows every method × budget with the API's means and intervals, and names the force", async () => {
    const table = page.getByTestId('backtest-table');
    await table.waitFor({ timeout: 300_000 });
    const meta = await api<{ force: { name: string }; months: string[] }>('/api/meta');
    const b = await api<{ query: { force: { name: string } }; methods: { key: string; name: string }[]; rows: Row[] }>(
      `/api/backtest?from=${meta.months[0]}&to=${meta.months.at(-1)}&definition=public-proxy&scheme=cchi&resolution=9&window=12`,
    );
    expect(b.query.force.name).toBe('Leicestershire');
    expect(await page.getByTestId('backtest-force').textContent()).toBe('Leicestershire');
    expect(await page.title()).toBe('harmgrid — Backtest, Leicestershire');
    const rows = b.rows.filter((r) => r.horizon === 1);
    expect(rows.length).toBe(b.methods.length * 3);
    const name = new Map(b.methods.map((m) => [m.key, m.name]));
    const shown = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent ?? '')));
    expect(shown).toEqual(
      rows.map((r) => [
        name.get(r.method),
        `${fixed(2)(r.budgetShare * 100)} %`,
        iv(r.hitRate, pct),
        iv(r.harmCaptured, pct),
        iv(r.pai, fixed(1)),
        iv(r.rri, fixed(2)),
        iv(r.stability, pct),
        iv(r.hitRateVsBaseline, fixed(2)),
      ]),
    );
    // The plot draws one marker per method and budget at the API's mean, with its interval.
    const plot = page.getByTestId('capture-plot');
    expect(await plot.locator('g[data-method]').count()).toBe(b.methods.length);
    const titles = await plot.locator('title').allTextContents();
    for (const r of rows) expect(titles).toContain(`${name.get(r.method)}: ${pct(r.hitRate.mean)} % at ${fixed(2)(r.budgetShare * 100)} %`);
    expect(await page.getByRole('link', { name: 'Printable backtest' }).getAttribute('href')).toMatch(/^\/api\/backtest\.html\?.*window=12/);
    expect(errors).toEqual([]);
  });

  it('lists the patrol areas the API builds, with their shares', async () => {
    const meta = await api<{ months: string[] }>('/api/meta');
    const p = await api<{ areas: { rank: number; name: string; incidents: number; shareOfHarm: number }[]; totals: { areas: number; shareOfHarm: number } }>(
      `/api/patrol-areas?from=${meta.months[0]}&to=${meta.months.at(-1)}&definition=public-proxy&scheme=cchi&resolution=9`,
    );
    const table = page.getByTestId('patrol-table');
    await table.waitFor({ timeout: 120_000 });
    expect(p.areas.length).toBeGreaterThan(0);
    expect(p.areas.length).toBeLessThanOrEqual(15);
    const shown = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent ?? '')));
    expect(shown.map((r) => [r[0], r[1], r[4], r[6]])).toEqual(
      p.areas.map((a) => [String(a.rank), a.name, a.incidents.toLocaleString('en-GB'), pct(a.shareOfHarm)]),
    );
    expect(await table.locator('tfoot th').textContent()).toBe(`${p.totals.areas} areas together`);
    await page.screenshot({ path: path.join(artifacts, 'backtest-view.png'), fullPage: false });
  });

  it('has no serious accessibility violations (axe-core)', async () => {
    const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
    await page.evaluate(fs.readFileSync(axePath, 'utf8'));
    const result = await page.evaluate(async () => (window as any).axe.run(document, { resultTypes: ['violations'] }));
    const serious = (result.violations as { id: string; impact: string; nodes: unknown[] }[]).filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id} (${v.nodes.length})`)).toEqual([]);
  });
});
