import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/server';
import { dataDir, monthFile } from '../support/data';
import { launchChromium, startServerWith, mapSettled } from '../support/server';

// Two real forces in one instance, as a regional deployment would hold them: two months of each
// force's data.police.uk files (different months, so the period must follow the force) and both
// forces' ONS districts and wards, as published. No deprivation is loaded.
const leics = (p: string) => path.join(dataDir, 'forces', 'leicestershire', p);
const FILES = [
  monthFile('2020-01'),
  monthFile('2020-02'),
  path.join(dataDir, 'boundaries', 'merseyside-lad.geojson'),
  path.join(dataDir, 'boundaries', 'merseyside-wards-2019.geojson'),
  leics('police/2020-02-leicestershire-street.csv'),
  leics('police/2020-03-leicestershire-street.csv'),
  leics('boundaries/leicestershire-lad.geojson'),
  leics('boundaries/leicestershire-wards-2019.geojson'),
];
const LEICESTERSHIRE = 'E23000021';
const MERSEYSIDE = 'E23000004';
// Place names of each force, from its own files: the force, its districts and its wards.
const namesIn = (file: string, keys: string[]) =>
  (JSON.parse(fs.readFileSync(file, 'utf8')) as { features: { properties: Record<string, string> }[] }).features.flatMap((f) =>
    keys.map((k) => f.properties[k]).filter((v): v is string => Boolean(v)),
  );
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const placesOf = (force: string, lad: string, wards: string) => ({
  force,
  districts: namesIn(lad, ['LAD19NM', 'LAD22NM', 'LAD23NM', 'LAD24NM']),
  wards: namesIn(wards, ['WD19NM']),
});
const merseyside = placesOf(
  'Merseyside',
  path.join(dataDir, 'boundaries', 'merseyside-lad.geojson'),
  path.join(dataDir, 'boundaries', 'merseyside-wards-2019.geojson'),
);
const leicestershire = placesOf('Leicestershire', leics('boundaries/leicestershire-lad.geojson'), leics('boundaries/leicestershire-wards-2019.geojson'));
// A Merseyside ward whose name is a word of a Leicestershire place ("Park" in "Braunstone Park & Rowley
// Fields") or street ("Church" in "Church Gate") says nothing about which force is shown: the names of
// Leicestershire's own boundaries and of its HCHH areas (named by their streets), and the names of the
// harm schemes ("Cambridge Crime Harm Index") take those out.
const wordIn = (name: string, text: string) => new RegExp(`\\b${escapeRegExp(name)}\\b`).test(text);
let MERSEYSIDE_PLACES = /$^/;
let merseysideNames: string[] = [];
function merseysidePlaces(leicestershireStreets: string[]): void {
  const own = [leicestershire.force, ...leicestershire.districts, ...leicestershire.wards, ...leicestershireStreets].join('\n');
  merseysideNames = [merseyside.force, ...merseyside.districts, ...merseyside.wards.filter((w) => !wordIn(w, own))];
  MERSEYSIDE_PLACES = new RegExp(`\\b(${merseysideNames.map(escape).join('|')})\\b`);
}

const artifacts = path.resolve('test-artifacts');
type TestWindow = Window & { __harmgridMap: any; __harmgridReady?: boolean };
declare const window: TestWindow;

/**
 * The text a person sees: every text node that is rendered (not hidden, not in a closed list), the
 * chosen option of each select, and the names the map draws on its canvas (district and ward
 * labels, basemap place names, HCHH ranks).
 */
async function visibleText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const out: string[] = [];
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      const el = n.parentElement;
      if (!el || el.closest('select') || !el.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue;
      out.push(n.textContent ?? '');
    }
    for (const s of document.querySelectorAll('select')) if (s.checkVisibility()) out.push(s.selectedOptions[0]?.textContent ?? '');
    for (const i of document.querySelectorAll('input')) if (i.checkVisibility()) out.push(i.value);
    const map = window.__harmgridMap;
    for (const f of map.queryRenderedFeatures()) if (f.layer.type === 'symbol') out.push(String(f.properties.name ?? f.properties.rank ?? ''));
    return out.join('\n');
  });
}

describe('force picker with two real forces in headless Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const api = async <T>(p: string): Promise<T> => (await fetch(server.url + p)).json() as Promise<T>;
  const settled = () => mapSettled(page);

  beforeAll(async () => {
    // Loudly: a browser test that cannot run is a failure, not a skip.
    fs.mkdirSync(artifacts, { recursive: true });
    server = await startServerWith(FILES);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    // With two forces loaded, an analysis request without force= is answered 400: any error answer fails the test.
    page.on('response', (r) => {
      if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
    });
    page.on('request', (r) => {
      if (!/^(blob:|data:)/.test(r.url()) && !r.url().startsWith(server.url)) errors.push(`remote request: ${r.url()}`);
    });
    const meta = await api<{ months: string[] }>(`/api/meta?force=${LEICESTERSHIRE}`);
    const hchh = await api<{ features: { properties: { name: string; topLocations: { location: string }[] } }[] }>(
      `/api/hchh?force=${LEICESTERSHIRE}&resolution=9&from=${meta.months[0]}&to=${meta.months.at(-1)}`,
    );
    const schemes = await api<{ schemes: { name: string }[] }>('/api/harm-schemes');
    merseysidePlaces([
      ...schemes.schemes.map((x) => x.name),
      ...hchh.features.flatMap((f) => [f.properties.name, ...f.properties.topLocations.map((l) => l.location)]),
    ]);
    await page.goto(server.url);
    await settled();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('opens on every force together, named as the API names them, and offers each force', async () => {
    const forces = await api<{ forces: { code: string; name: string }[] }>('/api/forces');
    expect(forces.forces.map((f) => f.code).sort()).toEqual([MERSEYSIDE, LEICESTERSHIRE]);
    const picker = page.getByRole('combobox', { name: 'Force' });
    expect(await picker.locator('option').allTextContents()).toEqual(['all forces (regional view)', ...forces.forces.map((f) => f.name)]);
    expect(await picker.inputValue()).toBe('all');
    const all = await api<{ force: { name: string }; months: string[] }>('/api/meta?force=all');
    expect(await page.getByTestId('force-name').textContent()).toBe(all.force.name);
    expect(await page.title()).toContain(all.force.name);
    expect(await page.getByRole('combobox', { name: 'From' }).inputValue()).toBe(all.months[0]);
    expect(await page.getByRole('combobox', { name: 'To' }).inputValue()).toBe(all.months.at(-1));
    expect(errors).toEqual([]);
  });

  it('on Leicestershire: its months, its districts fill the map, and no visible text names a Merseyside place', async () => {
    await page.getByRole('combobox', { name: 'Force' }).selectOption(LEICESTERSHIRE);
    await expect.poll(() => page.getByTestId('force-name').textContent()).toBe('Leicestershire');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('zoom') !== null && window.__harmgridReady === true);
    await settled();
    expect(new URL(page.url()).searchParams.get('force')).toBe(LEICESTERSHIRE);
    const meta = await api<{ force: { name: string }; months: string[] }>(`/api/meta?force=${LEICESTERSHIRE}`);
    expect(meta.force.name).toBe('Leicestershire');
    expect(await page.title()).toContain('Leicestershire');
    expect(await page.getByRole('combobox', { name: 'From' }).locator('option').allTextContents()).toEqual(meta.months);
    expect(await page.getByRole('combobox', { name: 'To' }).inputValue()).toBe(meta.months.at(-1));

    // The map shows the whole force: the bounding box of its district file is in view, its centre near the view's.
    const lad = JSON.parse(fs.readFileSync(leics('boundaries/leicestershire-lad.geojson'), 'utf8'));
    const xs: number[] = [],
      ys: number[] = [];
    JSON.stringify(lad.features.map((f: any) => f.geometry.coordinates)).replace(/\[(-?[\d.]+),(-?[\d.]+)\]/g, (_m, x, y) => {
      xs.push(Number(x));
      ys.push(Number(y));
      return '';
    });
    const [w, s, e, n] = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
    const view = await page.evaluate(() => {
      const b = window.__harmgridMap.getBounds();
      return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
    });
    expect(view[0]).toBeLessThanOrEqual(w);
    expect(view[1]).toBeLessThanOrEqual(s);
    expect(view[2]).toBeGreaterThanOrEqual(e);
    expect(view[3]).toBeGreaterThanOrEqual(n);
    expect((view[2]! - view[0]!) / (e - w)).toBeLessThan(3);

    // The cells and HCHH areas drawn are the API's for Leicestershire.
    const hchh = await api<{ features: { properties: { name: string } }[] }>(
      `/api/hchh?force=${LEICESTERSHIRE}&resolution=9&from=${meta.months[0]}&to=${meta.months.at(-1)}`,
    );
    const listed = page.locator('section.hchh li > button.link');
    await expect.poll(() => listed.count()).toBe(hchh.features.length);
    expect(await listed.first().textContent()).toContain(`1. ${hchh.features[0]!.properties.name}`);

    // District names drawn by the boundaries-only basemap are Leicestershire's.
    const labels = await page.evaluate(() =>
      window.__harmgridMap.queryRenderedFeatures({ layers: ['district-labels'] }).map((f: any) => f.properties.name as string),
    );
    expect(labels).toContain('Leicester');
    const text = await visibleText(page);
    expect(text).toMatch(/Leicestershire/);
    expect(merseysideNames.length).toBeGreaterThan(50);
    expect(text.match(MERSEYSIDE_PLACES)?.[0] ?? null).toBeNull();
    await page.screenshot({ path: path.join(artifacts, 'leicestershire-map.png') });
    expect(errors).toEqual([]);
  });

  it('finds only Leicestershire wards and districts, as the area search lists them', async () => {
    // A text that matches areas of both forces in the API's search.
    const both = await api<{ areas: { kind: string; code: string; name: string; districtCode: string | null }[] }>('/api/areas/search?q=ar');
    const forces = await api<{ forces: { code: string; districts: string[] }[] }>('/api/forces');
    const own = new Set(forces.forces.find((f) => f.code === LEICESTERSHIRE)!.districts);
    const inForce = (a: { kind: string; code: string; districtCode: string | null }) => own.has(a.kind === 'ward' ? (a.districtCode ?? '') : a.code);
    expect(both.areas.some((a) => !inForce(a))).toBe(true);
    const box = page.getByRole('combobox', { name: 'Find a ward or district' });
    await box.fill('ar');
    const expected = both.areas
      .filter(inForce)
      .slice(0, 12)
      .map((a) => `${a.name} (${a.kind})`);
    await expect.poll(() => page.getByRole('listbox', { name: 'Matching wards and districts' }).getByRole('option').allTextContents()).toEqual(expected);
    await box.fill('');
  });

  it("says why ward deprivation cannot be shown, in the API's words, instead of an empty legend", async () => {
    const dep = await api<{ available: boolean; missing: string | null }>('/api/deprivation?level=ward');
    expect(dep.available).toBe(false);
    await page.getByLabel('Ward deprivation', { exact: true }).check();
    await expect.poll(() => page.getByTestId('deprivation-missing').textContent(), { timeout: 20_000 }).toBe(dep.missing);
    expect(await page.getByTestId('legend-deprivation').locator('.swatch').count()).toBe(0);
    await page.getByLabel('Ward deprivation', { exact: true }).uncheck();
  });

  it('the Partnership view names its force, offers the picker and follows it', async () => {
    await page.getByRole('button', { name: 'Partnership' }).click();
    await expect.poll(() => page.getByTestId('partnership-force').textContent()).toBe('Leicestershire');
    const picker = page.locator('.partnership').getByRole('combobox', { name: 'Force' });
    expect(await picker.inputValue()).toBe(LEICESTERSHIRE);
    const measures = await api<{ areas: { name: string }[] }>(`/api/success-measures?force=${LEICESTERSHIRE}`);
    await expect
      .poll(() => page.locator('.partnership table.data tbody th[scope="row"]').first().textContent(), { timeout: 30_000 })
      .toBe(measures.areas[0]!.name);
    await page.getByRole('combobox', { name: 'Area' }).selectOption('district');
    const districts = await page.getByRole('combobox', { name: 'District' }).locator('option').allTextContents();
    expect(districts.slice(1).sort()).toEqual(namesIn(leics('boundaries/leicestershire-lad.geojson'), ['LAD19NM', 'LAD22NM', 'LAD23NM', 'LAD24NM']).sort());
    expect((await visibleText(page)).match(MERSEYSIDE_PLACES)?.[0] ?? null).toBeNull();
    expect(await page.getByRole('link', { name: 'Print the partnership pack' }).getAttribute('href')).toBe(
      `/api/partnership-pack.html?force=${LEICESTERSHIRE}`,
    );

    const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
    await page.evaluate(fs.readFileSync(axePath, 'utf8'));
    const result = await page.evaluate(async () => (window as any).axe.run(document, { resultTypes: ['violations'] }));
    const serious = (result.violations as { id: string; impact: string; nodes: unknown[] }[]).filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id} (${v.nodes.length})`)).toEqual([]);

    await picker.selectOption(MERSEYSIDE);
    await expect.poll(() => page.getByTestId('partnership-force').textContent()).toBe('Merseyside');
    expect(new URL(page.url()).searchParams.get('force')).toBe(MERSEYSIDE);
    expect(await page.title()).toContain('Merseyside');
    await page.getByRole('button', { name: 'Back to the map' }).click();
    await settled();
    expect(await page.getByTestId('force-name').textContent()).toBe('Merseyside');
    expect(errors).toEqual([]);
  });

  it('has no serious accessibility violations on the map with the picker (axe-core)', async () => {
    const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
    await page.evaluate(fs.readFileSync(axePath, 'utf8'));
    const result = await page.evaluate(async () => (window as any).axe.run(document, { resultTypes: ['violations'] }));
    const serious = (result.violations as { id: string; impact: string; nodes: unknown[] }[]).filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id} (${v.nodes.length})`)).toEqual([]);
  });
});
