import fs from 'node:fs';
import path from 'node:path';
import { cellArea, cellToLatLng, cellToParent, getResolution, greatCircleDistance, gridDisk, latLngToCell, polygonToCells } from 'h3-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../server/db/connection';
import { monthRange } from '../../server/domain/months';
import { importPaths } from '../../server/ingest/importPaths';
import { Analysis } from '../../server/services/analysis';
import { BacktestService } from '../../server/services/backtest';
import { dbLabel, freshDb } from '../support/db';
import { serveApp } from '../support/server';
import { PROXY_CATEGORIES, dataDir, harmDir, monthFile, readRows } from '../support/data';

// 13 real months: 12 to select on and one origin (2020-01) to score.
const MONTHS = monthRange('2019-01', '2020-01');

describe(`backtest and patrol areas endpoints on ${dbLabel}: ${MONTHS.length} real months`, () => {
  let db: Db;
  let server: Awaited<ReturnType<typeof serveApp>> | undefined;
  let url = '';
  const get = async (p: string) => {
    // A fresh connection per request: the independent counting between requests outlasts the server's keep-alive.
    const res = await fetch(url + p, { headers: { connection: 'close' } });
    const text = await res.text();
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      text,
      body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : null,
    };
  };

  beforeAll(async () => {
    db = await freshDb();
    await importPaths(db, [harmDir, path.join(dataDir, 'boundaries'), ...MONTHS.map(monthFile)]);
    server = await serveApp(db);
    url = server.url;
  }, 900_000);
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  it('scores the last-3-months and top-count rankings exactly as counted from the files', async () => {
    const r = await get('/api/backtest?resolution=9&methods=last-3-months,top-count&budgets=0.5,1');
    expect(r.status, r.text).toBe(200);
    expect(r.body.months).toEqual({ first: '2019-01', last: '2020-01', count: 13 });
    // Only the next-month horizon has an origin (2020-01); the 3-month one has none.
    expect(r.body.rows.map((x: any) => `${x.method}@${x.budgetShare}/${x.horizon}:${x.origins}`)).toEqual([
      'last-3-months@0.005/1:1',
      'last-3-months@0.01/1:1',
      'top-count@0.005/1:1',
      'top-count@0.01/1:1',
    ]);

    // Independently: the study area from the district file, counts from the raw rows (res-12 cells' parents, as stored).
    const districts = JSON.parse(fs.readFileSync(path.join(dataDir, 'boundaries', 'merseyside-lad.geojson'), 'utf8'));
    const study = new Set<string>();
    for (const f of districts.features) {
      const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
      for (const p of polys) for (const c of polygonToCells(p, 9, true)) study.add(c);
    }
    expect(r.body.studyArea.cells).toBe(study.size);
    const A = [...study].reduce((s, c) => s + cellArea(c, 'km2'), 0);
    const byMonth = MONTHS.map((m) => {
      const counts = new Map<string, number>();
      for (const row of readRows(monthFile(m))) {
        if (!PROXY_CATEGORIES.has(row['Crime type']!) || row.Longitude === '') continue;
        const c = cellToParent(latLngToCell(Number(row.Latitude), Number(row.Longitude), 12), 9);
        if (study.has(c)) counts.set(c, (counts.get(c) ?? 0) + 1);
      }
      return counts;
    });
    const hit = (months: number[], budget: number) => {
      const total = new Map<string, number>();
      for (const t of months) for (const [c, v] of byMonth[t]!) total.set(c, (total.get(c) ?? 0) + v);
      const evaluate = byMonth[12]!;
      const ranked = [...total.entries()].sort((a, b) => b[1] - a[1]);
      let area = 0,
        n = 0;
      const chosen: string[] = [];
      for (const [c] of ranked) {
        const a = cellArea(c, 'km2');
        if (area + a > budget * A * (1 + 1e-9)) break;
        area += a;
        chosen.push(c);
      }
      const N = [...evaluate.values()].reduce((s, v) => s + v, 0);
      // Cells tied at the cut's count may be chosen in any order (harmgrid breaks ties by harm): the
      // captured share lies between taking the tied cells with the fewest and the most next-month incidents.
      const cut = total.get(chosen[chosen.length - 1]!)!;
      for (const c of chosen) if (total.get(c)! > cut) n += evaluate.get(c) ?? 0;
      const k = chosen.filter((c) => total.get(c) === cut).length;
      const tied = ranked
        .filter(([, v]) => v === cut)
        .map(([c]) => evaluate.get(c) ?? 0)
        .sort((a, b) => a - b);
      const low = tied.slice(0, k).reduce((s, v) => s + v, 0),
        high = tied.slice(-k).reduce((s, v) => s + v, 0);
      return { low: (n + low) / N, high: (n + high) / N };
    };
    const row = (m: string, b: number) => r.body.rows.find((x: any) => x.method === m && x.budgetShare === b);
    for (const b of [0.005, 0.01]) {
      const top = hit([...Array(12).keys()], b),
        last = hit([9, 10, 11], b);
      for (const [m, h] of [
        ['top-count', top],
        ['last-3-months', last],
      ] as const) {
        expect(row(m, b).hitRate.mean, m).toBeGreaterThanOrEqual(h.low - 1e-4);
        expect(row(m, b).hitRate.mean, m).toBeLessThanOrEqual(h.high + 1e-4);
      }
      expect(row('top-count', b).hitRateVsBaseline.mean).toBeCloseTo(row('top-count', b).hitRate.mean / row('last-3-months', b).hitRate.mean, 2);
    }
    expect(row('top-count', 0.01).pai.mean).toBeCloseTo(row('top-count', 0.01).hitRate.mean / row('top-count', 0.01).areaShare, 0);
  }, 300_000);

  it('loads every recorded crime and anti-social behaviour per cell and month for the other-crime method, as counted from the files', async () => {
    const analysis = new Analysis(db);
    const r = await analysis.resolve({ resolution: 9 });
    const { data } = await new BacktestService(db, analysis).data(r, { positions: false, allCrime: true });
    expect(data.allCrime).toHaveLength(MONTHS.length);
    const index = new Map(data.cells.map((c, i) => [c, i]));
    for (const t of [0, 12]) {
      // Every row with a position, whatever its crime type (the street files hold anti-social behaviour too).
      const expected = new Float64Array(data.cells.length);
      for (const row of readRows(monthFile(MONTHS[t]!))) {
        if (row.Longitude === '') continue;
        const i = index.get(cellToParent(latLngToCell(Number(row.Latitude), Number(row.Longitude), 12), 9));
        if (i !== undefined) expected[i]! += 1;
      }
      expect(Array.from(data.allCrime![t]!)).toEqual(Array.from(expected));
      // Serious violence is part of all recorded crime, and other crime is far commoner.
      const sum = (v: Float64Array) => v.reduce((a, x) => a + x, 0);
      for (let i = 0; i < expected.length; i++) expect(data.allCrime![t]![i]).toBeGreaterThanOrEqual(data.incidents[t]![i]!);
      expect(sum(data.allCrime![t]!)).toBeGreaterThan(2 * sum(data.incidents[t]!));
    }
    // The method runs through the API on them, and its choice is reported.
    const res = await get('/api/backtest?resolution=9&methods=last-3-months,other-crime&budgets=0.5');
    expect(res.status, res.text).toBe(200);
    expect(res.body.chosen.find((c: any) => c.method === 'other-crime').chosen).toMatch(/^half-life (6|12|24) months, κ (0|0\.1|0\.2|0\.4)$/);
  }, 300_000);

  it('builds at most 15 named, patrollable areas within 0.5 % of the study area, from res-11 cells whatever the map shows', async () => {
    const r = await get('/api/patrol-areas?resolution=10&from=2019-02&to=2020-01');
    expect(r.status, r.text).toBe(200);
    const { areas, totals, limits, window } = r.body;
    expect(window).toEqual({ from: '2019-02', to: '2020-01', months: 12 });
    expect(r.body.cellResolution).toBe(11);
    expect(r.body.studyArea.resolution).toBe(11);
    expect(limits.maxDiameterM).toBe(1200);
    expect(areas.length).toBeGreaterThan(5);
    expect(areas.length).toBeLessThanOrEqual(15);
    for (const a of areas) {
      expect(a.areaKm2).toBeLessThanOrEqual(0.5 + 1e-3);
      expect(a.name).toMatch(/\w/);
      expect(a.outline.type).toBe('MultiPolygon');
      // One contiguous area outlines as one polygon.
      expect(a.outline.coordinates).toHaveLength(1);
      for (const c of a.cellIds) expect(getResolution(c)).toBe(11);
      // Compact: no two of its cells more than 1,200 m apart (every pair, by h3's own distance).
      const centres = a.cellIds.map((c: string) => cellToLatLng(c));
      for (const p of centres) for (const q of centres) expect(greatCircleDistance(p, q, 'm')).toBeLessThanOrEqual(1200 * 1.000001);
      // Solid: a cell outside the area never has two opposite neighbours in it (its centre would lie on
      // the segment between theirs, inside the area's hull) — no holes, no one-cell bays or notches.
      const inArea = new Set(a.cellIds);
      for (const c of a.cellIds)
        for (const n of gridDisk(c, 1)) {
          if (inArea.has(n)) continue;
          const around = gridDisk(n, 1).filter((x) => x !== n && inArea.has(x));
          for (const p of around)
            for (const q of around) {
              const far = greatCircleDistance(cellToLatLng(p), cellToLatLng(q), 'm') / greatCircleDistance(cellToLatLng(p), cellToLatLng(n), 'm');
              expect(far, `cell ${n} lies between cells ${p} and ${q} of area ${a.rank} without being in it`).toBeLessThan(1.9);
            }
        }
      // Compactness of the outline, as reported: above a chain's, at most a lone hexagon's.
      expect(a.polsbyPopper).toBeGreaterThan(0.05);
      expect(a.polsbyPopper).toBeLessThanOrEqual(0.907);
    }
    expect(totals.shareOfArea).toBeLessThanOrEqual(0.005 + 1e-6);
    expect(totals.areaKm2).toBeLessThanOrEqual(limits.budgetKm2 + 1e-6);
    // Harm per area is the window's harm of its cells: the areas hold many times their share of area.
    expect(totals.shareOfHarm).toBeGreaterThan(5 * totals.shareOfArea);
    expect(areas[0].harm).toBeGreaterThanOrEqual(areas[areas.length - 1].harm * 0.5);
    // The map's resolution does not change the areas; areaResolution does, as for the HCHH patrol plan.
    const at9 = await get('/api/patrol-areas?resolution=9&from=2019-02&to=2020-01');
    expect(at9.body.areas.map((a: any) => a.cellIds)).toEqual(areas.map((a: any) => a.cellIds));
    const coarse = await get('/api/patrol-areas?resolution=10&areaResolution=10&from=2019-02&to=2020-01');
    expect(coarse.status, coarse.text).toBe(200);
    expect(coarse.body.cellResolution).toBe(10);
    for (const a of coarse.body.areas) for (const c of a.cellIds) expect(getResolution(c)).toBe(10);
    const refused = await get('/api/patrol-areas?areaResolution=8');
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/areaResolution: must be a whole number from 9 to 11/);
    const wide = await get('/api/patrol-areas?resolution=10&from=2019-02&to=2020-01&maxDiameterM=0');
    expect(wide.status).toBe(400);
  }, 300_000);

  it('prints the comparison with its plot, and refuses unknown methods and budgets', async () => {
    const page = await get('/api/backtest.html?resolution=9&methods=last-3-months,top-count,hchh');
    expect(page.status).toBe(200);
    expect(page.type).toContain('text/html');
    expect(page.text).toContain('<svg');
    expect(page.text).toContain('High Crime High Harm');
    expect(page.text).toContain('Last 3 months (baseline)');
    const bad = await get('/api/backtest?methods=crystal-ball');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('top-count');
    const budget = await get('/api/backtest?budgets=0');
    expect(budget.status).toBe(400);
    expect(budget.body.error.message).toContain('budgets');
  }, 300_000);
});
