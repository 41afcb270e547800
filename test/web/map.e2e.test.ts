import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/server';
import { launchChromium, startTestServer, isRemoteRequest, mapSettled } from '../support/server';

const MONTHS = ['2019-10', '2019-11', '2019-12'];
const artifacts = path.resolve('test-artifacts');

// The page exposes its map for tests (see web/src/App.tsx); typed loosely here.
type TestWindow = Window & { __harmgridMap: any; __harmgridReady?: boolean };
declare const window: TestWindow;

// Real headless Chromium (Debian's package; .ci/run installs it) on the real server and real data.
describe('map workspace in headless Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const transfers: { kind: string; bytes: number }[] = [];
  let firstRenderMs = 0;

  const settled = () => mapSettled(page);
  const renderedCells = () => page.evaluate(() => window.__harmgridMap.queryRenderedFeatures({ layers: ['cells-fill'] }).length as number);

  beforeAll(async () => {
    fs.mkdirSync(artifacts, { recursive: true });
    server = await startTestServer(MONTHS);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    // Nothing may leave the machine: any request that is not to the harmgrid server fails the test.
    page.on('request', (r) => {
      if (isRemoteRequest(r.url(), server.url)) errors.push(`remote request: ${r.url()}`);
    });
    page.on('response', async (r) => {
      const kind = /\/tiles\/basemap\//.test(r.url())
        ? 'tiles'
        : /\/tiles\/glyphs\//.test(r.url())
          ? 'glyphs'
          : /\/api\/cells\/tiles\//.test(r.url())
            ? 'cells'
            : null;
      if (!kind || r.status() !== 200) return;
      const bytes = (await r.body().catch(() => Buffer.alloc(0))).length;
      transfers.push({ kind, bytes });
    });
    const t0 = Date.now();
    await page.goto(`${server.url}/?zoom=11&lat=53.405&lng=-2.975`);
    await settled();
    firstRenderMs = Date.now() - t0;
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('draws hotspot cells, HCHH areas and the basemap, with no remote requests', async () => {
    expect(await renderedCells()).toBeGreaterThan(50);
    const hchh = await page.evaluate(() => window.__harmgridMap.queryRenderedFeatures({ layers: ['hchh-outline'] }).length as number);
    expect(hchh).toBeGreaterThan(0);
    const roads = await page.evaluate(() => window.__harmgridMap.queryRenderedFeatures({ layers: ['roads-main', 'roads-secondary'] }).length as number);
    expect(roads).toBeGreaterThan(0);
    // Labels are drawn from the server's own SDF glyphs: placed symbols exist only once glyphs loaded.
    const labels = await page.evaluate(() => window.__harmgridMap.queryRenderedFeatures({ layers: ['place-towns', 'hchh-rank'] }).length as number);
    expect(labels).toBeGreaterThan(3);
    expect(transfers.some((t) => t.kind === 'glyphs')).toBe(true);
    await page.screenshot({ path: path.join(artifacts, 'map-harm.png') });
    expect(errors).toEqual([]);
    const sum = (kind: string) => transfers.filter((t) => t.kind === kind);
    const figures = {
      firstRenderMs,
      cellsRendered: await renderedCells(),
      tiles: { requests: sum('tiles').length, bytes: sum('tiles').reduce((a, t) => a + t.bytes, 0), largest: Math.max(0, ...sum('tiles').map((t) => t.bytes)) },
      glyphs: { requests: sum('glyphs').length, bytes: sum('glyphs').reduce((a, t) => a + t.bytes, 0) },
      cellTiles: {
        requests: sum('cells').length,
        bytes: sum('cells').reduce((a, t) => a + t.bytes, 0),
        largest: Math.max(0, ...sum('cells').map((t) => t.bytes)),
      },
    };
    fs.writeFileSync(path.join(artifacts, 'render-figures.json'), JSON.stringify(figures, null, 2));
    console.log('map render figures (first load, z11 over Liverpool and the Wirral):', JSON.stringify(figures));
  });

  it('states the unit, the definition and the period in the legend', async () => {
    const definitions = (await (await fetch(`${server.url}/api/definitions`)).json()) as { definitions: { key: string; name: string; isProxy: boolean }[] };
    const meta = (await (await fetch(`${server.url}/api/meta`)).json()) as { defaultDefinition: string };
    const def = definitions.definitions.find((d) => d.key === meta.defaultDefinition)!;
    const text = await page.getByTestId('legend').textContent();
    expect(text).toContain('Harm per cell (Cambridge Crime Harm Index days)');
    expect(text).toContain(def.name);
    if (def.isProxy) expect(text).toMatch(/public-data proxy/);
    expect(text).toContain('2019-10 to 2019-12');
  });

  it('opens a cell panel whose numbers equal the API', async () => {
    const target = await page.evaluate(() => {
      const m = window.__harmgridMap;
      const f = m.queryRenderedFeatures({ layers: ['cells-fill'] }).sort((a: any, b: any) => b.properties.harm - a.properties.harm)[0];
      const ring = f.geometry.coordinates[0];
      const lng = ring.reduce((s: number, c: number[]) => s + c[0]!, 0) / ring.length;
      const lat = ring.reduce((s: number, c: number[]) => s + c[1]!, 0) / ring.length;
      const p = m.project([lng, lat]);
      const rect = m.getCanvas().getBoundingClientRect();
      return { cell: f.properties.cell as string, x: rect.left + p.x, y: rect.top + p.y };
    });
    await page.mouse.click(target.x, target.y);
    await page.getByTestId('cell-panel').waitFor();
    await page.getByTestId('cell-incidents').waitFor();
    const series = (await (await fetch(`${server.url}/api/cells/${target.cell}/series`)).json()) as { incidents: number[]; harm: number[] };
    const incidents = series.incidents.reduce((a, b) => a + b, 0);
    expect(await page.getByTestId('cell-incidents').textContent()).toBe(incidents.toLocaleString('en-GB'));
    expect(await page.getByTestId('cell-harm').textContent()).toBe(Math.round(series.harm.reduce((a, b) => a + b, 0)).toLocaleString('en-GB'));
    expect(new URL(page.url()).searchParams.get('cell')).toBe(target.cell);
    await page.screenshot({ path: path.join(artifacts, 'map-cell-panel.png') });
  });

  it('reopens the same view from its link', async () => {
    const link = page.url();
    const other = await page.context().newPage();
    try {
      await other.goto(link);
      await other.getByTestId('cell-incidents').waitFor({ timeout: 60_000 });
      expect(await other.getByTestId('cell-incidents').textContent()).toBe(await page.getByTestId('cell-incidents').textContent());
      const view = (p: Page) =>
        p.evaluate(() => {
          const m = window.__harmgridMap;
          return { zoom: m.getZoom().toFixed(2), lng: m.getCenter().lng.toFixed(4), lat: m.getCenter().lat.toFixed(4) };
        });
      await other.waitForFunction(() => window.__harmgridReady === true, null, { timeout: 60_000 });
      expect(await view(other)).toEqual(await view(page));
      for (const label of ['From', 'To', 'Definition', 'Harm scheme', 'Colour cells by']) {
        const select = (p: Page) => p.getByRole('combobox', { name: new RegExp(`^${label}\\b`) });
        expect(await select(other).inputValue()).toBe(await select(page).inputValue());
      }
    } finally {
      await other.close();
    }
  });

  it('flies to an HCHH area from the list', async () => {
    const before = await page.evaluate(() => window.__harmgridMap.getZoom() as number);
    await page.locator('.hchh ol button').first().click();
    await page.waitForFunction(
      (z) => {
        const m = window.__harmgridMap;
        return !m.isMoving() && m.getZoom() > z + 0.5;
      },
      before,
      { timeout: 20_000 },
    );
    const ranks = await page.evaluate(() =>
      window.__harmgridMap.queryRenderedFeatures({ layers: ['hchh-outline'] }).map((f: any) => f.properties.rank as number),
    );
    expect(ranks).toContain(1);
    // The areas are built from res-11 cells over the map's res-9 cells: the list says so, and each is drawn as one outline round its cells (their union), not a hexagon per cell.
    expect(await page.locator('.hchh p.muted').first().textContent()).toContain('built from resolution-11 H3 cells');
    const shapes = await page.evaluate(async () => {
      const data = (await (window.__harmgridMap.getSource('hchh') as any).getData()) as any;
      return data.features.map((f: any) => ({
        rings: f.geometry.coordinates.flat().length,
        cells: f.properties.cellIds.length,
        res: parseInt(f.properties.cellIds[0][1], 16),
      }));
    });
    expect(shapes.length).toBeGreaterThan(0);
    for (const s of shapes) {
      expect(s.res).toBe(11);
      expect(s.rings).toBeLessThanOrEqual(s.cells);
    }
    expect(shapes.reduce((n: number, s: any) => n + s.rings, 0)).toBeLessThan(shapes.reduce((n: number, s: any) => n + s.cells, 0) / 2);
    await page.screenshot({ path: path.join(artifacts, 'map-hchh-area.png') });
    await page.evaluate(() => {
      window.__harmgridMap.jumpTo({ center: [-2.975, 53.405], zoom: 11 });
    });
    await settled();
  });

  it('cancels the request in flight when a filter changes', async () => {
    const aborted: string[] = [];
    const onFailed = (r: { url(): string; failure(): { errorText: string } | null }) => {
      if (r.url().includes('/api/cells/summary?')) aborted.push(r.failure()?.errorText ?? '');
    };
    page.on('requestfailed', onFailed);
    // Hold the cells' summary requests (what the map asks before its tiles) until the second change is
    // made, so the first is surely in flight when it lands.
    let release = () => {};
    const secondMade = new Promise<void>((r) => {
      release = r;
    });
    await page.route('**/api/cells/summary?*', async (route) => {
      await secondMade;
      await route.continue().catch(() => {});
    });
    try {
      const colour = page.getByRole('combobox', { name: /^Colour cells by/ });
      await colour.selectOption('count');
      await colour.selectOption('harm');
      release();
      await expect.poll(() => aborted.length, { timeout: 10_000 }).toBeGreaterThan(0);
      expect(aborted[0]).toMatch(/ABORTED/i);
      await expect.poll(() => page.getByTestId('legend').textContent(), { timeout: 20_000 }).toContain('Harm per cell');
    } finally {
      page.off('requestfailed', onFailed);
      await page.unroute('**/api/cells/summary?*');
    }
    await settled();
  });

  it('toggles each layer', async () => {
    await page.getByLabel('Hotspot cells', { exact: true }).uncheck();
    await expect.poll(renderedCells, { timeout: 10_000 }).toBe(0);
    await page.getByLabel('Hotspot cells', { exact: true }).check();
    await expect.poll(renderedCells, { timeout: 20_000 }).toBeGreaterThan(0);
    for (const [label, layer] of [
      ['HCHH areas', 'hchh-outline'],
      ['Ward outlines', 'wards'],
    ] as const) {
      await page.getByLabel(label, { exact: true }).uncheck();
      expect(await page.evaluate((id) => window.__harmgridMap.getLayoutProperty(id, 'visibility'), layer)).toBe('none');
      await page.getByLabel(label, { exact: true }).check();
      expect(await page.evaluate((id) => window.__harmgridMap.getLayoutProperty(id, 'visibility'), layer)).toBe('visible');
    }
  });

  it('moves through the months with the slider, and the map changes', async () => {
    const signature = () =>
      page.evaluate(
        () =>
          window.__harmgridMap
            .queryRenderedFeatures({ layers: ['cells-fill'] })
            .map((f: any) => `${f.properties.cell}:${f.properties.fill}`)
            .sort()
            .join(',') as string,
      );
    const before = await signature();
    await page.evaluate(() => {
      window.__harmgridReady = false;
    });
    await page.getByRole('slider').fill('0');
    await settled();
    expect(new URL(page.url()).searchParams.get('month')).toBe('2019-10');
    await expect.poll(() => page.locator('.legend-title').textContent()).toMatch(/2019-10$/);
    await expect.poll(signature, { timeout: 20_000 }).not.toBe(before); // one month, not three: other cells and colours
    await page.screenshot({ path: path.join(artifacts, 'map-month.png') });
    await page.getByRole('button', { name: 'Whole period' }).click();
  });

  it('exports the cells as a valid spreadsheet-safe CSV', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Cells (CSV)' }).click()]);
    const file = path.join(artifacts, download.suggestedFilename());
    await download.saveAs(file);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\r\n');
    expect(lines[0]).toBe('rank,cell,resolution,centre_lat,centre_lng,incidents,harm,harm_unit,definition,from,to');
    expect(lines.length).toBeGreaterThan(10);
  });

  it('has no serious accessibility violations (axe-core)', async () => {
    const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
    await page.evaluate(fs.readFileSync(axePath, 'utf8')); // evaluated through the DevTools protocol: the app's CSP forbids inline scripts
    const result = await page.evaluate(async () => (window as any).axe.run(document, { resultTypes: ['violations'] }));
    const serious = (result.violations as { id: string; impact: string; nodes: unknown[] }[]).filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id} (${v.nodes.length})`)).toEqual([]);
  });
});
